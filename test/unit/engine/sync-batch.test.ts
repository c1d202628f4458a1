import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALLBACK_CONCURRENCY, SYNC_CONCURRENCY, SyncBatch } from '../../../src/engine/sync-batch';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-batch-')));
afterEach(async () => cleanup());

/** An open file whose sync() and close() are logged. */
async function written(name: string, log: string[]) {
  const handle = await open(path.join(dir, name), 'wx');
  await handle.write(name);
  const sync = handle.sync.bind(handle);
  const close = handle.close.bind(handle);
  handle.sync = async () => {
    await sync();
    log.push(`sync ${name}`);
  };
  handle.close = async () => {
    await close();
    log.push(`close ${name}`);
  };
  return handle;
}

/** Wraps async calls so that `most` tells how many ran at once at the most (each held 5 ms first). */
function overlapCounter() {
  let running = 0;
  const counter = {
    most: 0,
    counted: (call: () => Promise<void>) => async (): Promise<void> => {
      running += 1;
      counter.most = Math.max(counter.most, running);
      await new Promise((r) => setTimeout(r, 5));
      await call();
      running -= 1;
    },
  };
  return counter;
}

describe('SyncBatch', () => {
  it('runs a file’s callback only after it was fsynced and closed; a full batch is synced while the next fills', async () => {
    const log: string[] = [];
    const batch = new SyncBatch({ files: 2, bytes: 1 << 30, ms: 60_000 });
    await batch.add(await written('a', log), 1, () => void log.push('done a'));
    expect(log).toEqual([]);
    await batch.add(await written('b', log), 1, () => void log.push('done b')); // fills the batch: synced in the background
    await batch.add(await written('c', log), 1, () => void log.push('done c'));
    await batch.add(await written('d', log), 1, () => void log.push('done d')); // fills the next: waits for a+b first
    for (const f of ['a', 'b']) {
      expect(log).toContain(`done ${f}`);
      expect(log.indexOf(`done ${f}`)).toBeGreaterThan(log.indexOf(`sync ${f}`));
      expect(log.indexOf(`done ${f}`)).toBeGreaterThan(log.indexOf(`close ${f}`));
    }
    await batch.add(await written('e', log), 1, () => void log.push('done e'));
    expect(log).not.toContain('done e');
    await batch.flush();
    expect(log.filter((l) => l.startsWith('done'))).toEqual(['done a', 'done b', 'done c', 'done d', 'done e']);
    expect(log.indexOf('done e')).toBeGreaterThan(log.indexOf('sync e'));
    expect(readFileSync(path.join(dir, 'e'), 'utf8')).toBe('e');
  });

  it('never syncs more than SYNC_CONCURRENCY files of a batch at once (the copies keep thread-pool room)', async () => {
    const log: string[] = [];
    const batch = new SyncBatch({ files: 100, bytes: 1 << 30, ms: 60_000 });
    const overlap = overlapCounter();
    for (let i = 0; i < 12; i += 1) {
      const handle = await written(`f${i}`, log);
      handle.sync = overlap.counted(handle.sync);
      await batch.add(handle, 1, () => undefined);
    }
    await batch.flush();
    expect(log.filter((l) => l.startsWith('sync'))).toHaveLength(12);
    expect(overlap.most).toBe(SYNC_CONCURRENCY);
  });

  it('runs a batch’s callbacks several at once, never more than CALLBACK_CONCURRENCY', async () => {
    const log: string[] = [];
    const batch = new SyncBatch({ files: 100, bytes: 1 << 30, ms: 60_000 });
    const overlap = overlapCounter();
    for (let i = 0; i < 20; i += 1) {
      await batch.add(
        await written(`f${i}`, log),
        1,
        overlap.counted(async () => void log.push(`done f${i}`)),
      );
    }
    await batch.flush();
    expect(log.filter((l) => l.startsWith('done'))).toHaveLength(20);
    expect(overlap.most).toBe(CALLBACK_CONCURRENCY);
  });

  it('flushes on its own after the time limit', async () => {
    const log: string[] = [];
    const batch = new SyncBatch({ files: 100, bytes: 1 << 30, ms: 20 });
    const handle = await written('a', log);
    await new Promise<void>((resolve) => {
      void batch.add(handle, 1, () => resolve());
    });
    expect(log).toEqual(['sync a', 'close a']);
  });

  it('a failed fsync records nothing, closes the handles and fails the next add', async () => {
    const log: string[] = [];
    const batch = new SyncBatch({ files: 2, bytes: 1 << 30, ms: 60_000 });
    const a = await written('a', log);
    a.sync = () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await batch.add(a, 1, () => void log.push('done a'));
    await batch.add(await written('b', log), 1, () => void log.push('done b')); // starts the failing batch
    await expect(batch.flush()).rejects.toThrow('EIO');
    expect(log).not.toContain('done a');
    expect(log).not.toContain('done b');
    expect(log).toContain('close a');
    expect(log).toContain('close b');
    await expect(batch.add(await written('c', log), 1, () => void log.push('done c'))).rejects.toThrow('EIO');
    expect(log).toContain('close c');
    await batch.discard();
  });
});
