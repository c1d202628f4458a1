/**
 * Issue 13 §5: with hundreds of V2$ files open across 20 sessions, one CIM call per open file costs
 * time proportional to the open-file table each time and exceeds the call timeout.
 * Switch: knobs.smbPerFileDelayMs.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SmbOpenFileInfo, SmbSessionInfo } from '../../../src/host/types';
import { applyStep } from '../../../src/lockout/apply';
import { runPwsh } from '../../helpers/run-pwsh';
import { createSimulatedServer, type SimPaths, type SimulatedServer } from '../../helpers/sim';

let server: SimulatedServer | undefined;
afterEach(async () => {
  await server?.cleanup();
  server = undefined;
});

/** `files` open files under C:\AVImark spread over `sessions` sessions. */
function busyServer(files: number, sessions: number, knobs: Record<string, unknown>) {
  return (paths: SimPaths) => {
    const source = path.join(paths.volumeRoot, 'AVImark');
    const s: SmbSessionInfo[] = [];
    const f: SmbOpenFileInfo[] = [];
    for (let i = 0; i < sessions; i += 1) {
      s.push({ sessionId: String(1000 + i), clientComputerName: `PC${i}`, clientUserName: `HOSP\\u${i}`, numOpens: 0 });
    }
    for (let i = 0; i < files; i += 1) {
      f.push({
        fileId: String(5000 + i),
        sessionId: String(1000 + (i % sessions)),
        path: path.join(source, `F${i}.V2$`),
        shareRelativePath: `F${i}.V2$`,
        clientComputerName: `PC${i % sessions}`,
        clientUserName: `HOSP\\u${i % sessions}`,
      });
    }
    return { sessions: s, openFiles: f, knobs };
  };
}

describe('simulator: open-file queries cost time per open file', { timeout: 180_000 }, () => {
  it('Get-SmbOpenFile over 400 open files takes >= 400 x smbPerFileDelayMs', async () => {
    server = await createSimulatedServer(busyServer(400, 20, { smbPerFileDelayMs: 5 }));
    const r = await runPwsh(
      '$sw = [Diagnostics.Stopwatch]::StartNew(); $n = @(Get-SmbOpenFile).Count; "$n $($sw.ElapsedMilliseconds)"',
      server.env,
    );
    const [n, ms] = r.stdout.trim().split(' ').map(Number);
    expect(n).toBe(400);
    expect(ms).toBeGreaterThanOrEqual(2000);
  });

  it('Close-SmbSession closes every file of that session', async () => {
    server = await createSimulatedServer(busyServer(40, 4, {}));
    await runPwsh('Close-SmbSession -SessionId 1001 -Force', server.env);
    const st = await server.readState();
    expect(st.sessions.map((s) => s.SessionId)).toEqual([1000, 1002, 1003]);
    expect(st.openFiles).toHaveLength(30);
    expect(st.openFiles.every((f) => f.SessionId !== 1001)).toBe(true);
  });
});

describe('product: closing hundreds of open files within the call timeout', { timeout: 180_000 }, () => {
  // issue 13 §5: closed by session, then the rest in one call, with a timeout that grows with the count
  it('the close-open-files step ends with nothing open (300 files, 20 sessions, 10 s call timeout)', async () => {
    server = await createSimulatedServer(busyServer(300, 20, { smbPerFileDelayMs: 0.5 }));
    const host = server.createHost({ callTimeoutSeconds: 10 });
    const source = path.join(server.volumeRoot, 'AVImark');
    await applyStep(host, { kind: 'closeOpenFiles', pathPrefix: source, observedFiles: [], observedSessions: [] });
    expect((await server.readState()).openFiles).toHaveLength(0);
  });
});
