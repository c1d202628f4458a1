import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunFailedError } from '../../../src/errors';
import { MemoryHost } from '../../../src/host/memory';
import { silentLogger } from '../../../src/log/logger';
import { writeFileAtomic } from '../../../src/fs/durable';
import { localFs } from '../../../src/fs/local';
import { identityOf } from '../../../src/fs/process-identity';
import { newJournal, readJournal, writeJournal } from '../../../src/lockout/journal';
import { observeHost } from '../../../src/lockout/observe';
import { lockoutPlan } from '../../../src/lockout/plan';
import { journalOwnerAlive, recoverLockout } from '../../../src/lockout/recover';
import { journalPath } from '../../../src/state/paths';
import { removeLockFromBeforeBoot, startedBeforeBoot } from '../../../src/state/run-lock';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { LockoutSession } from '../../../src/lockout/session';
import { WatchdogFiredError, startWatchdog } from '../../../src/lockout/watchdog';
import { tempDir } from '../../helpers/cli';
import { hospital, serverSnapshot } from '../../helpers/hospital';

type Hospital = Awaited<ReturnType<typeof hospital>>;
let h: Hospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** Locks out the first `n` steps and "dies": the session is dropped without giving back. */
async function crashAfter(hh: Hospital, n: number, owner?: { pid: number }) {
  const input = { lockout: hh.lockout, source: hh.source };
  const plan = lockoutPlan(input, await observeHost(hh.host, input));
  const journal = newJournal('backup', hh.source);
  if (owner) Object.assign(journal.owner, identityOf(owner.pid)); // that live process, as if it had written the journal
  const s = new LockoutSession({ host: hh.host, stateDir: hh.stateDir, journal, log: silentLogger() });
  await s.begin();
  await s.lockOut(plan.steps.slice(0, n));
  return plan;
}

describe('recover', () => {
  it('is a no-op when nothing was ever locked', async () => {
    h = await hospital();
    const calls = h.state.calls.length;
    const r = await recoverLockout({ host: h.host, stateDir: h.stateDir, log: silentLogger() });
    expect(r.action).toBe('nothing');
    expect(h.state.calls.length).toBe(calls);
  });

  for (const n of [1, 2, 3, 4, 5, 6, 7]) {
    it(`after a crash right after step ${n}, restores the server exactly, from the journal alone; a second recover is a no-op`, async () => {
      h = await hospital();
      const before = await serverSnapshot(h.state, h.source);
      await crashAfter(h, n);
      // A fresh host object over the same server, as after a reboot: only the journal carries knowledge.
      const host = new MemoryHost(h.state);
      const r = await recoverLockout({ host, stateDir: h.stateDir, log: silentLogger() });
      expect(r.action).toBe('recovered');
      expect(await serverSnapshot(h.state, h.source)).toEqual(before);
      expect(await readJournal(h.stateDir)).toBeNull();
      const again = await recoverLockout({ host, stateDir: h.stateDir, log: silentLogger() });
      expect(again.action).toBe('nothing');
      expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    });
  }

  it('undoes a step left pending (crash between journal and action) without harm', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const plan = await crashAfter(h, 2);
    const journal = await readJournal(h.stateDir);
    if (!journal) throw new Error('no journal');
    // Step 3.. recorded as pending but never taken.
    journal.entries.push({
      step: plan.steps[3],
      state: 'pending',
      startedAt: new Date().toISOString(),
      seconds: null,
      detail: [],
      undoneAt: null,
    });
    await writeJournal(h.stateDir, journal);
    await recoverLockout({ host: h.host, stateDir: h.stateDir, log: silentLogger() });
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('refuses while the journal owner is alive, unless forced', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    await crashAfter(h, 2, { pid: process.ppid });
    const err = await recoverLockout({ host: h.host, stateDir: h.stateDir, log: silentLogger() }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as Error).message).toMatch(new RegExp(`pid ${process.ppid}.*owns the lockout`));
    expect(await serverSnapshot(h.state, h.source)).not.toEqual(before);
    const r = await recoverLockout({ host: h.host, stateDir: h.stateDir, log: silentLogger(), force: true });
    expect(r.action).toBe('recovered');
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('after a reboot the owner is dead even if its pid was reused', async () => {
    const beforeBoot = new Date(Date.now() - os.uptime() * 1000 - 60_000).toISOString();
    expect(startedBeforeBoot(beforeBoot)).toBe(true);
    expect(startedBeforeBoot(new Date().toISOString())).toBe(false);
    const journal = newJournal('backup', '/src');
    Object.assign(journal.owner, identityOf(process.ppid)); // alive, like a reused pid (even its identity)
    expect(journalOwnerAlive(journal)).toBe(true);
    journal.owner.startedAt = beforeBoot;
    expect(journalOwnerAlive(journal)).toBe(false);
    const { dir, cleanup } = await tempDir('avb-lock-');
    try {
      const lock = path.join(dir, 'run.lock');
      await writeFile(
        lock,
        JSON.stringify({ pid: process.ppid, hostname: os.hostname(), startedAt: new Date().toISOString() }),
      );
      await removeLockFromBeforeBoot(lock, silentLogger());
      expect(existsSync(lock)).toBe(true);
      await writeFile(lock, JSON.stringify({ pid: process.ppid, hostname: os.hostname(), startedAt: beforeBoot }));
      await removeLockFromBeforeBoot(lock, silentLogger());
      expect(existsSync(lock)).toBe(false);
    } finally {
      await cleanup();
    }
  });

  it('a dead owner does not block recover', async () => {
    h = await hospital();
    await crashAfter(h, 2, { pid: 2 ** 22 + 12345 });
    const r = await recoverLockout({ host: h.host, stateDir: h.stateDir, log: silentLogger() });
    expect(r.action).toBe('recovered');
  });
});

describe('journal atomicity', () => {
  it('a failed write leaves the previous journal intact and no temp file behind', async () => {
    const { dir, cleanup } = await tempDir('avb-journal-');
    try {
      const j = newJournal('backup', '/src');
      await writeJournal(dir, j);
      const good = await readFile(journalPath(dir), 'utf8');
      const failingFs = {
        open: (await import('node:fs/promises')).open,
        mkdir: (await import('node:fs/promises')).mkdir,
        readFile: (await import('node:fs/promises')).readFile,
        unlink: (await import('node:fs/promises')).unlink,
        rm: (await import('node:fs/promises')).rm,
        rename: async () => {
          throw Object.assign(new Error('EIO: simulated crash'), { code: 'EIO' });
        },
      };
      j.entries.push({
        step: { kind: 'renameExecutable', path: '/a', lockedPath: '/b' },
        state: 'pending',
        startedAt: null,
        seconds: null,
        detail: [],
        undoneAt: null,
      });
      await expect(writeJournal(dir, j, failingFs)).rejects.toThrow(/EIO/);
      expect(await readFile(journalPath(dir), 'utf8')).toBe(good);
      expect(await readdir(dir)).toEqual(['lockout-journal.json']);
    } finally {
      await cleanup();
    }
  });

  it('a temp file left by a crash mid-write does not change what is read', async () => {
    const { dir, cleanup } = await tempDir('avb-journal-');
    try {
      await writeJournal(dir, newJournal('backup', '/src'));
      await writeFile(`${journalPath(dir)}.tmp-999`, '{"torn":');
      expect((await readJournal(dir))?.source).toBe('/src');
      await writeFileAtomic(localFs, path.join(dir, 'x.json'), 'new', { createDir: true });
      expect(await readFile(path.join(dir, 'x.json'), 'utf8')).toBe('new');
    } finally {
      await cleanup();
    }
  });

  it('a journal that is not ours is an error, never silently ignored', async () => {
    const { dir, cleanup } = await tempDir('avb-journal-');
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(journalPath(dir), '{"hello":1}');
      await expect(readJournal(dir)).rejects.toThrow(/not an avimark-backup journal/);
      await writeFile(journalPath(dir), '{"hel');
      await expect(readJournal(dir)).rejects.toThrow(/not valid JSON/);
    } finally {
      await cleanup();
    }
  });
});

describe('watchdog', () => {
  it('aborts with WatchdogFiredError when the limit is reached', async () => {
    const controller = new AbortController();
    const dog = startWatchdog(0.001, controller);
    await new Promise((r) => controller.signal.addEventListener('abort', r));
    expect(dog.fired).toBe(true);
    expect(controller.signal.reason).toBeInstanceOf(WatchdogFiredError);
    expect((controller.signal.reason as Error).message).toMatch(/limit of 0.001 minute/);
  });

  it('does nothing once cancelled', async () => {
    const controller = new AbortController();
    const dog = startWatchdog(0.001, controller);
    dog.cancel();
    await new Promise((r) => setTimeout(r, 120));
    expect(controller.signal.aborted).toBe(false);
    expect(dog.fired).toBe(false);
  });
});
