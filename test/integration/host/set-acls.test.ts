/**
 * `setAcls` puts SDDL on places below a folder, as an administrator. The places come from the snapshot's
 * acl.json in the store: besides the file's own check (src/store/acl.ts), the PowerShell side refuses any
 * place that is not below the folder (a rooted path, `..`), so an altered file can never open up another
 * folder of the server. Real pwsh, simulated Get-Acl/Set-Acl.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PowerShellHost } from '../../../src/host/powershell/host';
import { createSimulatedServer, type SimState, type SimulatedServer } from '../../helpers/sim';

const OPEN = 'D:PAI(A;OICI;FA;;;WD)';
const KEPT = 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)';

let server: SimulatedServer | undefined;
let host: PowerShellHost | undefined;
afterEach(async () => {
  await host?.dispose();
  await server?.cleanup();
  host = server = undefined;
});

describe('setAcls refuses places outside the folder', { timeout: 120_000 }, () => {
  it('a rooted path or one that climbs comes back refused; the folder below is set; nothing else changes', async () => {
    server = await createSimulatedServer({});
    const root = path.join(server.volumeRoot, 'AVImark');
    const other = path.join(server.volumeRoot, 'Windows');
    await mkdir(path.join(root, 'Reports'), { recursive: true });
    await mkdir(other, { recursive: true });
    server.updateState((s) => {
      (s as SimState & { acls?: Record<string, string> }).acls = { [root]: KEPT, [other]: KEPT };
    });
    host = server.createHost();
    const back = await host.setAcls(root, [
      { path: 'Reports', sddl: OPEN },
      { path: '../Windows', sddl: OPEN },
      { path: 'Reports/../../Windows', sddl: OPEN },
      { path: other, sddl: OPEN },
    ]);
    expect(back.map((b) => [b.path, b.error])).toEqual([
      ['Reports', null],
      ['../Windows', 'it is not below the folder (refused)'],
      ['Reports/../../Windows', 'it is not below the folder (refused)'],
      [other, 'it is not below the folder (refused)'],
    ]);
    const acls = ((await server.readState()) as SimState & { acls: Record<string, string> }).acls;
    expect(acls[other]).toBe(KEPT);
    expect(acls[path.join(root, 'Reports')]).toBe(OPEN);
    const sets = (await server.readState()).calls.filter((c) => c.Command === 'Set-Acl');
    expect(sets.map((c) => c.Parameters.LiteralPath)).toEqual([[path.join(root, 'Reports')]]);
  });
});
