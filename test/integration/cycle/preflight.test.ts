/**
 * Issue 13 §10: a destination on a drive letter that is no local volume (a drive mapped in the admin's
 * session) does not exist for SYSTEM; asked of the server through the real PowerShell bridge (Win32_Volume).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationWarnings } from '../../../src/cycle/preflight';
import type { PowerShellHost } from '../../../src/host/powershell/host';
import { createSimulatedServer, type SimulatedServer } from '../../helpers/sim';

let server: SimulatedServer;
let host: PowerShellHost;
beforeAll(async () => {
  server = await createSimulatedServer();
  server.updateState((st) => {
    st.volumes.push({
      Name: 'D:\\',
      DeviceID: '\\\\?\\Volume{5a1e0c1d-0000-4000-8000-00000000000d}\\',
      FileSystem: 'NTFS',
      ShadowDir: null,
    });
  });
  host = server.createHost({ callTimeoutSeconds: 60 });
}, 120_000);
afterAll(async () => {
  await host?.dispose();
  await server?.cleanup();
});

describe('destinationWarnings: what SYSTEM sees of the destination, asked of the server', { timeout: 120_000 }, () => {
  it('a drive letter no local volume holds is a mapped drive: warned; a local volume is not', async () => {
    expect(await destinationWarnings(host, 'Z:\\AVImarkBackup')).toEqual([
      expect.stringMatching(/on drive Z:, which is not a local volume: a mapped drive letter .* never for SYSTEM/),
    ]);
    expect(await destinationWarnings(host, 'D:\\AVImarkBackup')).toEqual([]);
    expect(await destinationWarnings(host, '\\\\nas01\\backup')).toEqual([
      expect.stringMatching(/network share: .* computer's account/),
    ]);
  });
});
