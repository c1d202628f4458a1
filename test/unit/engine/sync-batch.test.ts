import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncBatch } from '../../../src/engine/sync-batch';
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

describe('SyncBatch', () => {
  it('runs a file’s callback only after it was fsynced and closed; a full batch flushes while adding', async () => {
    const log: string[] = [];
    const batch = new SyncBatch({ files: 2, bytes: 1 << 30, ms: 60_000 });
    await batch.add(await written('a', log), 1, () => void log.push('done a'));
    expect(log).toEqual([]);
    await batch.add(await written('b', log), 1, () => void log.push('done b'));
    expect(log.indexOf('done a')).toBeGreaterThan(log.indexOf('sync a'));
    expect(log.indexOf('done a')).toBeGreaterThan(log.indexOf('close a'));
    expect(log.indexOf('done b')).toBeGreaterThan(log.indexOf('sync b'));
    await batch.add(await written('c', log), 1, () => void log.push('done c'));
    expect(log).not.toContain('done c');
    await batch.flush();
    expect(log.slice(-1)).toEqual(['done c']);
    expect(readFileSync(path.join(dir, 'c'), 'utf8')).toBe('c');
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
    await expect(batch.add(await written('b', log), 1, () => void log.push('done b'))).rejects.toThrow('EIO');
    expect(log).not.toContain('done a');
    expect(log).not.toContain('done b');
    expect(log).toContain('close a');
    expect(log).toContain('close b');
    await expect(batch.add(await written('c', log), 1, () => void log.push('done c'))).rejects.toThrow('EIO');
    expect(log).toContain('close c');
    await batch.discard();
  });
});
