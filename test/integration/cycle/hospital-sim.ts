import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ShareDefinition } from '../../../src/host/types';
import { pwshPath } from '../../helpers/pwsh';
import { createSimulatedServer, serviceFromSim, shareFromSim, type SimulatedServer } from '../../helpers/sim';

export const ORIGINAL_SDDL = 'O:BAG:DUD:(A;;FA;;;BA)(A;;0x1301bf;;;DU)(D;;FA;;;S-1-5-21-1-2-3-1105)';

export interface SimHospital {
  server: SimulatedServer;
  source: string;
  dest: string;
  stateDir: string;
  configFile: string;
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
  const server = await createSimulatedServer((paths) => {
    const source = path.join(paths.volumeRoot, 'AVImark');
    const share: ShareDefinition = {
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
      processes: [{ name: 'avimark', exitsOnMessage: true }, { name: 'avimark' }],
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
  return { server, source, dest, stateDir, configFile, writeConfig, cleanup: () => server.cleanup() };
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
