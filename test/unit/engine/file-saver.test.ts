import { createHash } from 'node:crypto';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnstableFileError, hashHandle, saveFile } from '../../../src/engine/file-saver';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { tempDir } from '../../helpers/cli';
import { hookHandle, countingMethodCalls, refusingSyncIo } from '../../helpers/handle';
import { pseudoRandom } from '../../helpers/tree';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-saver-')));
afterEach(async () => cleanup());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const common = { dstFs: localFs, unstableRetries: 2, largeFileBytes: 1 << 30, sourceLabel: 'x' };

/** `handle` with `hook` run before each call of its method `name` or of the same synchronous call. */
const withHook = (handle: FileHandle, name: 'read' | 'stat', hook: () => void): FileHandle =>
  hookHandle(handle, name, { before: () => void hook() });

describe('saveFile', () => {
  it('copies, hashes in the same pass, keeps the mtime, makes the copy read-only, keeps zero runs as holes', async () => {
    const data = Buffer.concat([pseudoRandom(100_000, 3), Buffer.alloc(3 << 20), Buffer.from('tail')]);
    const src = path.join(dir, 's');
    writeFileSync(src, data);
    utimesSync(src, new Date('2020-01-02T03:04:05.678Z'), new Date('2020-01-02T03:04:05.678Z'));
    const handle = await localFs.open(src, 'r');
    const dst = path.join(dir, 'd');
    const saved = await saveFile({ ...common, source: handle, dstPath: dst });
    await handle.close();
    expect(saved.sha256).toBe(sha(data));
    expect(saved.size).toBe(data.length);
    expect(readFileSync(dst).equals(data)).toBe(true);
    expect(statSync(dst).mtime.toISOString()).toBe('2020-01-02T03:04:05.678Z');
    expect(statSync(dst).mode & 0o222).toBe(0);
    expect(saved.bytesCopied).toBeLessThan(data.length); // the 3 MiB of zeros were not written
  });

  it('copies a file of at most one buffer without a thread-pool request for its reads, writes, stats, times or mode', async () => {
    const cases: [string, Buffer][] = [
      ['data', pseudoRandom(200_000, 4)],
      ['full', pseudoRandom(1 << 20, 6)], // exactly one buffer
      ['empty', Buffer.alloc(0)],
      ['zeros', Buffer.alloc(300_000)], // left as a hole, as a large file's zero runs are
    ];
    for (const [name, data] of cases) {
      const src = path.join(dir, `${name}.src`);
      writeFileSync(src, data);
      utimesSync(src, new Date('2021-05-06T07:08:09.123Z'), new Date('2021-05-06T07:08:09.123Z'));
      const calls: string[] = [];
      const spy = (h: FileHandle, side: string): FileHandle =>
        new Proxy(h, {
          get(t, prop, r) {
            const v: unknown = Reflect.get(t, prop, r);
            if (typeof v !== 'function' || typeof prop !== 'string' || prop === 'close' || prop === 'sync') return v;
            calls.push(`${side}.${String(prop)}`);
            return (v as (...a: unknown[]) => unknown).bind(t);
          },
        });
      const handle = await localFs.open(src, 'r');
      const dstFs: FileSystem = {
        ...localFs,
        open: (async (p: string, flags: string) => spy(await localFs.open(p, flags), 'dst')) as FileSystem['open'],
        chmod: async () => {
          calls.push('chmod');
        },
      };
      const dst = path.join(dir, `${name}.dst`);
      const saved = await saveFile({ ...common, dstFs, source: spy(handle, 'src'), dstPath: dst, deferSync: true });
      await saved.unsynced?.sync();
      await saved.unsynced?.close();
      await handle.close();
      expect(calls, name).toEqual([]);
      expect(saved.sha256, name).toBe(sha(data));
      expect([saved.size, saved.bytesRead], name).toEqual([data.length, data.length]);
      expect(saved.bytesCopied, name).toBe(name === 'zeros' ? 0 : data.length);
      expect(readFileSync(dst).equals(data), name).toBe(true);
      expect(statSync(dst).mtime.toISOString(), name).toBe('2021-05-06T07:08:09.123Z');
      expect(statSync(dst).mode & 0o222, name).toBe(0);
    }
  });

  it.skipIf(process.platform === 'win32')(
    'copies a small file onto a network share (a UNC-shaped path) through the handles, not synchronously',
    async () => {
      const data = pseudoRandom(50_000, 8);
      const src = path.join(dir, 'unc.src');
      writeFileSync(src, data);
      const calls: string[] = [];
      const dstFs = countingMethodCalls(localFs, 'write', calls, 'dst.write');
      const handle = await localFs.open(src, 'r');
      const far = `/${path.join(dir, 'unc.dst')}`; // "//…": POSIX reads it as the same file, near-path as a share
      const saved = await saveFile({ ...common, dstFs, source: handle, dstPath: far });
      await handle.close();
      expect(calls).toEqual(['dst.write']);
      expect(saved.sha256).toBe(sha(data));
      expect(readFileSync(path.join(dir, 'unc.dst')).equals(data)).toBe(true);
      expect(statSync(path.join(dir, 'unc.dst')).mode & 0o222).toBe(0);
    },
  );

  it('copies a small file from a network share (sourceFar) through the handles, never synchronously', async () => {
    const data = pseudoRandom(50_000, 9);
    const src = path.join(dir, 'far.src');
    writeFileSync(src, data);
    const handle = await localFs.open(src, 'r');
    try {
      const saved = await saveFile({
        ...common,
        source: refusingSyncIo(handle),
        sourceFar: true,
        dstPath: path.join(dir, 'd'),
      });
      expect(saved.sha256).toBe(sha(data));
      expect(readFileSync(path.join(dir, 'd')).equals(data)).toBe(true);
      expect(statSync(path.join(dir, 'd')).mode & 0o222).toBe(0);
    } finally {
      await handle.close();
    }
  });

  // 3 MiB: copied through the handles; 10,000 bytes: through their synchronous calls.
  it.each([3 << 20, 10_000])(
    'detects a file (%i bytes) whose modification time changes while it is read, retries, then fails naming it',
    async (size) => {
      const src = path.join(dir, 's');
      writeFileSync(src, pseudoRandom(size, 5));
      const handle = await localFs.open(src, 'r');
      let reads = 0;
      // A handle whose every read bumps the file's mtime (as a writer would): never stable.
      const touching = withHook(handle, 'read', () => {
        reads += 1;
        const when = new Date(Date.now() + reads * 1000);
        utimesSync(src, when, when);
      });
      const dst = path.join(dir, 'd');
      const attempt = saveFile({ ...common, source: touching, dstPath: dst, sourceLabel: 'data/CLIENT.V2$' });
      await expect(attempt).rejects.toBeInstanceOf(UnstableFileError);
      await expect(attempt).rejects.toThrow(
        /"data\/CLIENT\.V2\$" kept changing while it was being copied \(3 attempts\)/,
      );
      await handle.close();
      expect(reads).toBe(size === 10_000 ? 3 : 9); // 3 attempts of one read each, or of three (3 buffers)
      expect(() => statSync(dst)).toThrow(); // no torn copy left behind
    },
  );

  it('a file that settles after one change is copied again and stored consistently', async () => {
    const src = path.join(dir, 's');
    const v1 = pseudoRandom(2 << 20, 1);
    const v2 = pseudoRandom(2 << 20, 2);
    writeFileSync(src, v1);
    const handle = await localFs.open(src, 'r');
    let changed = false;
    const once = withHook(handle, 'read', () => {
      if (changed) return;
      changed = true;
      writeFileSync(src, v2);
      const later = new Date(Date.now() + 5000);
      utimesSync(src, later, later);
    });
    const saved = await saveFile({ ...common, source: once, dstPath: path.join(dir, 'd') });
    await handle.close();
    expect(saved.sha256).toBe(sha(v2));
    expect(readFileSync(path.join(dir, 'd')).equals(v2)).toBe(true);
  });

  it("takes the caller's fstat as the first attempt's start, and still redoes a copy the source changed after it", async () => {
    const src = path.join(dir, 's');
    const v1 = pseudoRandom(300_000, 1);
    writeFileSync(src, v1);
    const handle = await localFs.open(src, 'r');
    let stats = 0;
    const counting = withHook(handle, 'stat', () => {
      stats += 1;
    });
    const sourceStat = await handle.stat({ bigint: true });
    const saved = await saveFile({ ...common, source: counting, sourceStat, dstPath: path.join(dir, 'd1') });
    expect(stats).toBe(1); // only the stat after the copy
    expect(saved.bytesRead).toBe(v1.length);

    // The caller's stat is older than the file (it changed between that stat and the copy): redone once.
    const v2 = pseudoRandom(300_000, 2);
    writeFileSync(src, v2);
    const later = new Date(Date.now() + 5000);
    utimesSync(src, later, later);
    stats = 0;
    const again = await saveFile({ ...common, source: counting, sourceStat, dstPath: path.join(dir, 'd2') });
    await handle.close();
    expect(again.sha256).toBe(sha(v2));
    expect(again.bytesRead).toBe(2 * v2.length);
    expect(again.mtimeNs).toBe(statSync(src, { bigint: true }).mtimeNs.toString());
    expect(stats).toBe(3); // after the first attempt, then before and after the second
  });

  it('resumes from an offset: re-hashes the written prefix and copies only the rest', async () => {
    const data = pseudoRandom(5 << 20, 9);
    const src = path.join(dir, 's');
    writeFileSync(src, data);
    const dst = path.join(dir, 'd');
    writeFileSync(dst, Buffer.concat([data.subarray(0, 3 << 20), Buffer.from('garbage past the checkpoint')]));
    const handle = await localFs.open(src, 'r');
    const saved = await saveFile({ ...common, source: handle, dstPath: dst, resumeFrom: 3 << 20 });
    await handle.close();
    expect(saved.sha256).toBe(sha(data));
    expect(saved.bytesRead).toBe(2 << 20);
    expect(readFileSync(dst).equals(data)).toBe(true);
  });

  it('checkpoints a large file beside the copy: each offset recorded only after its prefix was fsynced, all before it returns', async () => {
    const data = pseudoRandom(10 << 20, 9);
    const src = path.join(dir, 's');
    writeFileSync(src, data);
    const handle = await localFs.open(src, 'r');
    const dst = path.join(dir, 'd');
    const events: string[] = [];
    const loggingFs: FileSystem = {
      ...localFs,
      open: (async (p: string, flags?: string) => {
        const h = await localFs.open(p, flags);
        const sync = h.sync.bind(h);
        h.sync = async () => {
          events.push('sync start');
          await new Promise((r) => setTimeout(r, 20)); // a slow disk: copying must not wait for it
          await sync();
          events.push('sync done');
        };
        return h;
      }) as FileSystem['open'],
    };
    const saved = await saveFile({
      ...common,
      dstFs: loggingFs,
      source: handle,
      dstPath: dst,
      largeFileBytes: 1,
      checkpointEveryBytes: 2 << 20,
      onCheckpoint: async (offset) => {
        events.push(`part ${offset >> 20}`);
        // the prefix the record claims is on disk already
        expect(readFileSync(dst).subarray(0, offset).equals(data.subarray(0, offset))).toBe(true);
      },
      onBytes: () => void events.push('bytes'),
    });
    events.push('returned');
    await handle.close();
    expect(saved.sha256).toBe(sha(data));
    const parts = events.filter((e) => e.startsWith('part')).map((e) => Number(e.slice(5)));
    expect(parts.length).toBeGreaterThan(0);
    expect(parts).toEqual([...parts].sort((a, b) => a - b));
    for (const p of events.map((e, k) => [e, k] as const).filter(([e]) => e.startsWith('part'))) {
      expect(events.slice(0, p[1]).lastIndexOf('sync done')).toBeGreaterThan(
        events.slice(0, p[1]).lastIndexOf('sync start'),
      );
    }
    expect(events.indexOf('bytes', events.indexOf('sync start'))).toBeLessThan(events.indexOf('sync done')); // copying went on
    expect(events.lastIndexOf('part')).toBeLessThan(events.indexOf('returned'));
  });

  it('under a slow fsync, the copy never runs more than the bound ahead of the last durable checkpoint', async () => {
    const data = pseudoRandom(24 << 20, 7);
    const src = path.join(dir, 's');
    writeFileSync(src, data);
    const handle = await localFs.open(src, 'r');
    const dst = path.join(dir, 'd');
    const bound = 4 << 20;
    let durable = 0;
    let furthest = 0;
    let worstLead = 0;
    let syncs = 0;
    const slowFs: FileSystem = {
      ...localFs,
      open: (async (p: string, flags?: string) => {
        const h = await localFs.open(p, flags);
        const write = h.write.bind(h) as (...a: unknown[]) => Promise<{ bytesWritten: number }>;
        const sync = h.sync.bind(h);
        h.write = (async (...args: unknown[]) => {
          const [, , length, position] = args as [Buffer, number, number, number];
          furthest = Math.max(furthest, position + length);
          worstLead = Math.max(worstLead, furthest - durable);
          return write(...args);
        }) as typeof h.write;
        h.sync = async () => {
          syncs += 1;
          await new Promise((r) => setTimeout(r, 60)); // a contended disk: each fsync takes long
          await sync();
        };
        return h;
      }) as FileSystem['open'],
    };
    const saved = await saveFile({
      ...common,
      dstFs: slowFs,
      source: handle,
      dstPath: dst,
      largeFileBytes: 1,
      checkpointEveryBytes: 1 << 20,
      maxAheadOfCheckpointBytes: bound,
      onCheckpoint: async (offset) => {
        durable = offset;
      },
    });
    await handle.close();
    expect(saved.sha256).toBe(sha(data));
    expect(readFileSync(dst).equals(data)).toBe(true);
    expect(furthest).toBe(data.length);
    expect(worstLead).toBeGreaterThan(1 << 20); // the copy did run ahead of its checkpoints
    expect(worstLead).toBeLessThanOrEqual(bound);
    expect(durable).toBeGreaterThanOrEqual(data.length - bound);
    expect(syncs).toBeGreaterThan(1);
  });

  it('a checkpoint fsync that fails fails the copy', async () => {
    writeFileSync(path.join(dir, 's'), pseudoRandom(6 << 20, 4));
    const handle = await localFs.open(path.join(dir, 's'), 'r');
    const failingFs: FileSystem = {
      ...localFs,
      open: (async (p: string, flags?: string) => {
        const h = await localFs.open(p, flags);
        h.sync = () => Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
        return h;
      }) as FileSystem['open'],
    };
    const attempt = saveFile({
      ...common,
      dstFs: failingFs,
      source: handle,
      dstPath: path.join(dir, 'd'),
      largeFileBytes: 1,
      checkpointEveryBytes: 1 << 20,
      onCheckpoint: async () => undefined,
    });
    await expect(attempt).rejects.toThrow(/EIO/);
    await handle.close();
  });
});

describe('hashHandle', () => {
  it.each([0, 4000, (1 << 20) - 1, 1 << 20, (3 << 20) + 7])(
    'hashes an open file of %i bytes to its end, with its stat before and after',
    async (size) => {
      const data = pseudoRandom(size, 21);
      const file = path.join(dir, 'f');
      writeFileSync(file, data);
      const asyncReads: number[] = [];
      const handle = await localFs.open(file, 'r');
      const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<unknown>;
      Object.assign(handle, {
        read: async (...a: unknown[]) => {
          asyncReads.push(1);
          return read(...a);
        },
      });
      try {
        const hashed = await hashHandle(handle);
        expect(hashed).toMatchObject({ sha256: sha(data), size });
        expect(hashed.before.size).toBe(BigInt(size));
        expect(hashed.after.mtimeNs).toBe(statSync(file, { bigint: true }).mtimeNs);
        // Under one buffer: synchronous reads only; larger: through the handle, the next read ahead.
        expect(asyncReads.length > 0).toBe(size >= 1 << 20);
      } finally {
        await handle.close();
      }
    },
  );

  it('hashes a small file of a network share (far) through the handle, never synchronously', async () => {
    const data = pseudoRandom(4000, 22);
    const file = path.join(dir, 'f');
    writeFileSync(file, data);
    const handle = await localFs.open(file, 'r');
    try {
      const hashed = await hashHandle(refusingSyncIo(handle), { far: true });
      expect(hashed).toMatchObject({ sha256: sha(data), size: 4000 });
      expect(hashed.after.mtimeNs).toBe(statSync(file, { bigint: true }).mtimeNs);
    } finally {
      await handle.close();
    }
  });
});
