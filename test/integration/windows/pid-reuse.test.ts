/**
 * Issue 13 §1: Windows hands a freed PID to a new, unrelated process, and as SYSTEM a liveness probe of
 * a protected process answers "access denied" (EPERM). A run lock or lockout journal whose PID now
 * belongs to someone else must not count as "owner alive".
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ownIdentity } from '../../../src/fs/process-identity';
import { newJournal } from '../../../src/lockout/journal';
import { journalOwnerAlive } from '../../../src/lockout/recover';
import { acquireLockFile } from '../../../src/store/lock';
import { tempDir } from '../../helpers/cli';
import { runPwsh } from '../../helpers/run-pwsh';
import { createSimulatedServer, type SimulatedServer } from '../../helpers/sim';

let server: SimulatedServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.cleanup();
  server = undefined;
});

/** A journal written "just now" (after the last boot) by a process whose PID is `pid`. */
function journalOwnedBy(pid: number) {
  const journal = newJournal('backup', '/srv/AVImark', new Date());
  journal.owner.pid = pid;
  return journal;
}

describe('simulator: a PID handed to an unrelated process', { timeout: 180_000 }, () => {
  it('startUnrelatedProcess gives a live process that is neither AVImark nor avimark-backup', async () => {
    server = await createSimulatedServer();
    const other = await server.startUnrelatedProcess();
    expect(server.isAlive(other.pid)).toBe(true);
    expect(other.pid).not.toBe(process.pid);
    const r = await runPwsh(`(Get-Process -Id ${other.pid}).ProcessName`, server.env);
    expect(r.stdout.trim()).toBe('node');
  });
});

describe('product: owner identity, not PID existence', { timeout: 180_000 }, () => {
  it('a journal whose PID now belongs to an unrelated live process is not "owner alive"', async () => {
    server = await createSimulatedServer();
    const other = await server.startUnrelatedProcess();
    expect(journalOwnerAlive(journalOwnedBy(other.pid))).toBe(false);
  });

  it('a liveness probe answering EPERM (protected process, as SYSTEM) is not "owner alive"', () => {
    const probed: number[] = [];
    vi.spyOn(process, 'kill').mockImplementation((pid: number) => {
      probed.push(pid);
      throw Object.assign(new Error(`kill EPERM ${pid}`), { code: 'EPERM', errno: -1, syscall: 'kill' });
    });
    const journal = journalOwnedBy(4); // PID 4 is "System" on Windows: always alive, never ours
    const alive = journalOwnerAlive(journal);
    expect(probed).toContain(4); // the seam this test injects through was really used
    expect(alive).toBe(false);
  });

  it('a run lock whose PID now belongs to an unrelated live process is taken over', async () => {
    server = await createSimulatedServer();
    const other = await server.startUnrelatedProcess();
    const { dir, cleanup } = await tempDir('avb-pid-reuse-');
    try {
      const file = path.join(dir, 'run.lock');
      // Written by a killed run (its identity: creation time and image), whose PID now belongs to `other`.
      const stale = {
        ...ownIdentity(),
        pid: other.pid,
        hostname: os.hostname(),
        startedAt: new Date().toISOString(),
        purpose: 'backup',
      };
      await writeFile(file, `${JSON.stringify(stale)}\n`);
      const held = await acquireLockFile(file);
      expect(held.info.pid).toBe(process.pid);
      await held.release();
    } finally {
      await cleanup();
    }
  });
});
