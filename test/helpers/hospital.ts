import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type LockoutConfig, lockoutSchema } from '../../src/config/schema';
import { createMemoryHostState, MemoryHost, type MemoryHostState } from '../../src/host/memory';
import type { ShareDefinition } from '../../src/host/types';
import { tempDir } from './cli';
import { pwshPath } from './pwsh';
import { createSimulatedServer, type SimulatedServer, serviceFromSim, shareFromSim, uniqueProcessName } from './sim';

/**
 * The one hospital fixture: the same clinic (the AVImark share with a custom ACL, AVImarkServer with a
 * watchdog, a stopped Manual service, users with AVImark open) on the in-memory host (`hospital`, unit
 * tests) or on the simulated Windows server driven through real pwsh (`simulatedHospital`).
 */
export const ORIGINAL_SDDL = 'O:BAG:DUD:(A;;FA;;;BA)(A;;0x1301bf;;;DU)(D;;FA;;;S-1-5-21-1-2-3-1105)';

/** The AVImark share as the clinic set it up. */
export function avimarkShare(source: string): ShareDefinition {
  return {
    name: 'AVImark',
    scopeName: '*',
    path: source,
    description: 'AVImark data',
    concurrentUserLimit: 0,
    cachingMode: 'Manual',
    folderEnumerationMode: 'Unrestricted',
    encryptData: false,
    continuouslyAvailable: false,
    caTimeout: 0,
    temporary: false,
    special: false,
    securityDescriptor: ORIGINAL_SDDL,
  };
}

/** A small hospital on an in-memory server: one share, a watched service, two users with AVImark open. */
export async function hospital(overrides: Partial<LockoutConfig> = {}) {
  const { dir, cleanup } = await tempDir('avb-lockout-');
  // The source sits on a "volume" (a folder the memory host can shadow-copy); dest and state are outside it.
  const volumeRoot = `${path.join(dir, 'vol')}/`;
  const source = path.join(dir, 'vol', 'AVImark');
  const stateDir = path.join(dir, 'state');
  await mkdir(source, { recursive: true });
  await writeFile(path.join(source, 'avimark.exe'), 'MZ');
  await writeFile(path.join(source, 'CLIENT.V2$'), 'clients');
  const share = avimarkShare(source);
  const state: MemoryHostState = createMemoryHostState({
    shares: [share],
    sessions: [{ sessionId: '1001', clientComputerName: 'FRONTDESK1', clientUserName: 'HOSP\\anna', numOpens: 1 }],
    openFiles: [
      {
        fileId: '5001',
        sessionId: '1001',
        path: path.join(source, 'CLIENT.V2$'),
        shareRelativePath: 'CLIENT.V2$',
        clientComputerName: 'FRONTDESK1',
        clientUserName: 'HOSP\\anna',
      },
    ],
    services: [
      {
        name: 'AVImarkServer',
        displayName: 'AVImark Server',
        status: 'Running',
        startType: 'Automatic',
        watchdog: true,
      },
      { name: 'VetLogicSync', displayName: 'VetLogic Sync', status: 'Stopped', startType: 'Manual' },
    ],
    volumes: [{ root: volumeRoot, fileSystem: 'NTFS', shadowDir: path.join(dir, 'shadows') }],
    processes: [
      {
        id: 4100,
        name: 'avimark',
        sessionId: 2,
        userName: 'HOSP\\bob',
        path: path.join(source, 'avimark.exe'),
        alive: true,
        exitsOnClose: true,
      },
      {
        id: 4200,
        name: 'avimark',
        sessionId: 3,
        userName: 'HOSP\\carl',
        path: path.join(source, 'avimark.exe'),
        alive: true,
      },
    ],
  });
  const host = new MemoryHost(state);
  const lockout = lockoutSchema.parse({
    services: [{ name: 'AVImarkServer' }, { name: 'VetLogicSync' }],
    gracePeriodSeconds: 1,
    warnMinutes: [0],
    ...overrides,
  });
  return { dir, source, stateDir, dest: path.join(dir, 'dest'), volumeRoot, state, host, lockout, cleanup };
}

/** What must be exactly as before after giving back. */
export async function serverSnapshot(state: MemoryHostState, source: string) {
  return {
    shares: state.shares.map((s) => ({ ...s })),
    services: state.services.map((s) => ({ name: s.name, status: s.status, startType: s.startType })),
    files: (await readdir(source)).sort(),
  };
}

export interface SimHospital {
  server: SimulatedServer;
  source: string;
  dest: string;
  stateDir: string;
  configFile: string;
  /**
   * AVImark's process name on this server (`avimark` and a random suffix: stand-ins are real processes,
   * and parallel test files must not close each other's), in the config's lockout.processes.
   */
  processName: string;
  /** Writes the config file (lockout overrides merged into the defaults below). */
  writeConfig(extra?: Record<string, unknown>): Promise<string>;
  cleanup(): Promise<void>;
}

/**
 * A simulated hospital server: the AVImark share with a custom ACL, two users with files open over
 * SMB, AVImarkServer (delayed start, restarted by a watchdog unless Disabled), a stopped Manual
 * service, one AVImark that exits when users are messaged and one stubborn one that must be forced.
 */
export async function simulatedHospital(options: { files?: Record<string, string> } = {}): Promise<SimHospital> {
  const processName = uniqueProcessName('avimark');
  const server = await createSimulatedServer((paths) => {
    const source = path.join(paths.volumeRoot, 'AVImark');
    const share = avimarkShare(source);
    return {
      shares: [share],
      sessions: [
        { sessionId: '1001', clientComputerName: 'FRONTDESK1', clientUserName: 'HOSP\\anna', numOpens: 1 },
        { sessionId: '1002', clientComputerName: 'EXAM3', clientUserName: 'HOSP\\dan', numOpens: 1 },
      ],
      openFiles: [
        {
          fileId: '5001',
          sessionId: '1001',
          path: path.join(source, 'CLIENT.V2$'),
          shareRelativePath: 'CLIENT.V2$',
          clientComputerName: 'FRONTDESK1',
          clientUserName: 'HOSP\\anna',
        },
        {
          fileId: '5002',
          sessionId: '1002',
          path: path.join(source, 'ANIMAL.V2$'),
          shareRelativePath: 'ANIMAL.V2$',
          clientComputerName: 'EXAM3',
          clientUserName: 'HOSP\\dan',
        },
      ],
      services: [
        {
          name: 'AVImarkServer',
          displayName: 'AVImark Server',
          status: 'Running',
          startType: 'AutomaticDelayedStart',
          watchdog: true,
          watchdogDelayMs: 200,
        },
        { name: 'VetLogicSync', displayName: 'VetLogic Sync', status: 'Stopped', startType: 'Manual' },
      ],
      processes: [{ name: processName, exitsOnMessage: true }, { name: processName }],
    };
  });
  const source = path.join(server.volumeRoot, 'AVImark');
  const dest = path.join(server.dir, 'backup');
  const stateDir = path.join(server.dir, 'state');
  await mkdir(source, { recursive: true });
  const files = options.files ?? {
    'avimark.exe': 'MZ program',
    'CLIENT.V2$': 'clients\n',
    'ANIMAL.V2$': 'animals\n',
    'AVImark.db$': 'db',
  };
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(source, name)), { recursive: true });
    await writeFile(path.join(source, name), content);
  }
  const configFile = path.join(server.dir, 'config.json');
  const writeConfig = async (extra: Record<string, unknown> = {}) => {
    const { lockout, ...rest } = extra as { lockout?: Record<string, unknown> };
    const config = {
      source,
      destination: dest,
      stateDir,
      mode: 'offline',
      verify: { after: 'none' },
      powershell: { executable: pwshPath(), callTimeoutSeconds: 60 },
      lockout: {
        services: [{ name: 'AVImarkServer' }, { name: 'VetLogicSync' }],
        processes: [{ name: processName }, { name: 'AVImarkGuardian', optional: true }],
        warnMinutes: [0.01, 0],
        gracePeriodSeconds: 1,
        serviceTimeoutSeconds: 5,
        ...lockout,
      },
      ...rest,
    };
    await writeFile(configFile, JSON.stringify(config, null, 2));
    return configFile;
  };
  await writeConfig();
  return { server, source, dest, stateDir, configFile, processName, writeConfig, cleanup: () => server.cleanup() };
}

/** What must be exactly as before once AVImark is given back. */
export async function simServerState(h: SimHospital) {
  const st = await h.server.readState();
  return {
    shares: st.shares.map(shareFromSim),
    services: st.services.map(serviceFromSim),
    files: (await readdir(h.source)).sort(),
  };
}
