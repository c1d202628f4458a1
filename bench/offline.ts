import { closeSync, existsSync, fstatSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { settingsFromInput } from '../src/config/load';
import { runNightlyCycle } from '../src/cycle/nightly';
import type { ShareDefinition, WindowsHost } from '../src/host/types';
import { silentLogger } from '../src/log/logger';
import type { LockoutStepTiming } from '../src/store/types';
import { pwshPath } from '../test/helpers/pwsh';
import { createSimulatedServer, simModulesDir } from '../test/helpers/sim';
import { generateAvimarkTree } from './generate';
import { removeTree } from './measure';

/**
 * The offline window of the nightly cycle (how long AVImark is unavailable) in each mode, against the
 * simulated Windows server (test/sim: real PowerShell bridge, real stand-in processes), while a
 * stand-in writer keeps changing the data for as long as AVImark runs.
 */

export type CycleMode = 'offline' | 'presync' | 'vss';

export interface OfflineMeasurement {
  mode: CycleMode;
  dataBytes: number;
  offlineSeconds: number;
  /** Time spent inside createShadowCopy (vss). The simulator makes a full copy there; real VSS is copy-on-write. */
  shadowSeconds: number;
  cycleSeconds: number;
  writesWhileOnline: number;
  lockoutSteps: LockoutStepTiming[];
}

/** Why the offline window cannot be measured here, or null when it can. */
export function offlineUnavailable(): string | null {
  if (!existsSync(simModulesDir))
    return `the simulated Windows server is missing (${simModulesDir}); run the bench from the repository`;
  const pwsh = pwshPath();
  if (pwsh !== 'pwsh' && !existsSync(pwsh))
    return `PowerShell 7 is missing (${pwsh}); run node test/setup/ensure-pwsh.mjs`;
  return null;
}

function avimarkShare(sharePath: string): ShareDefinition {
  return {
    name: 'AVImark',
    scopeName: '*',
    path: sharePath,
    description: 'AVImark data',
    concurrentUserLimit: 0,
    cachingMode: 'Manual',
    folderEnumerationMode: 'Unrestricted',
    encryptData: false,
    continuouslyAvailable: false,
    caTimeout: 0,
    temporary: false,
    special: false,
    securityDescriptor: 'O:BAG:BAD:(A;;FA;;;BA)(A;;0x1301bf;;;DU)',
  };
}

/** Times createShadowCopy on the way through, leaving every other call untouched. */
export function timingShadowCopies(host: WindowsHost, onShadow: (seconds: number) => void): WindowsHost {
  return new Proxy(host, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'createShadowCopy' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const started = process.hrtime.bigint();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          onShadow(Number(process.hrtime.bigint() - started) / 1e9);
        }
      };
    },
  });
}

/**
 * Users at work: every 50 ms, while `online()`, one CLIENT record is rewritten and 4 KiB are appended
 * to the current log. Stops by itself once the stand-in AVImark processes are stopped by the lockout.
 */
function startWriter(source: string, online: () => boolean): { stop: () => number } {
  let writes = 0;
  const record = Buffer.alloc(512);
  const timer = setInterval(() => {
    if (!online()) return;
    writes++;
    record.fill(writes & 0xff);
    const client = openSync(path.join(source, 'CLIENT.V2$'), 'r+');
    try {
      const records = Math.max(1, Math.floor(fstatSync(client).size / 512));
      writeSync(client, record, 0, 512, ((writes * 7919) % records) * 512);
    } finally {
      closeSync(client);
    }
    const log = openSync(path.join(source, 'LOG151.V2$'), 'a');
    try {
      writeSync(log, Buffer.alloc(4096, writes & 0xff));
    } finally {
      closeSync(log);
    }
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return writes;
    },
  };
}

export async function measureOfflineWindow(options: {
  mode: CycleMode;
  dataBytes: number;
  seed: number;
  workDir: string;
}): Promise<OfflineMeasurement> {
  const sim = await createSimulatedServer((p) => ({
    shares: [avimarkShare(path.join(p.volumeRoot, 'AVImark'))],
    services: [{ name: 'AVImarkServer', startType: 'Automatic' }],
    processes: [{ name: 'avimark', exitsOnClose: true }, { name: 'avimark' }],
  }));
  const dest = path.join(options.workDir, `offline-${options.mode}-dest`);
  const stateDir = path.join(options.workDir, `offline-${options.mode}-state`);
  let writer: { stop: () => number } | null = null;
  try {
    const source = path.join(sim.volumeRoot, 'AVImark');
    const stats = generateAvimarkTree({ dir: source, totalBytes: options.dataBytes, seed: options.seed });
    writer = startWriter(source, () => sim.processes.some((p) => sim.isAlive(p.pid)));
    let shadowSeconds = 0;
    const host = timingShadowCopies(sim.createHost(), (s) => (shadowSeconds += s));
    const settings = settingsFromInput(
      {
        source,
        destination: dest,
        stateDir,
        mode: options.mode,
        verify: { after: 'none' },
        retention: { auto: false },
        alerts: { eventLog: { enabled: false } },
        lockout: { warnMinutes: [], gracePeriodSeconds: 0 },
      },
      null,
    );
    const started = process.hrtime.bigint();
    const result = await runNightlyCycle({ settings, host, log: silentLogger(), handleSignals: false });
    const cycleSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.offlineSeconds === null) throw new Error(`the ${options.mode} cycle reported no offline window`);
    return {
      mode: result.mode,
      dataBytes: stats.bytes,
      offlineSeconds: result.offlineSeconds,
      shadowSeconds,
      cycleSeconds,
      writesWhileOnline: writer.stop(),
      lockoutSteps: result.lockoutSteps,
    };
  } finally {
    writer?.stop();
    await sim.cleanup();
    removeTree(dest);
    removeTree(stateDir);
  }
}
