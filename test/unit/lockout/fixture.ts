import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lockoutSchema, type LockoutConfig } from '../../../src/config/schema';
import { MemoryHost, createMemoryHostState, type MemoryHostState } from '../../../src/host/memory';
import type { ShareDefinition } from '../../../src/host/types';
import { tempDir } from '../../helpers/cli';

export const ORIGINAL_SDDL = 'O:BAG:DUD:(A;;FA;;;BA)(A;;0x1301bf;;;DU)(D;;FA;;;S-1-5-21-1-2-3-1105)';

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
