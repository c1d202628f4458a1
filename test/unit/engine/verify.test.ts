import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VERIFY_CONCURRENCY, hashFile, verifySnapshot } from '../../../src/engine/verify';
import { createFaultyFs } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { resolveSnapshotId } from '../../../src/store/snapshots';
import { tempDir } from '../../helpers/cli';
import { countingMethodCalls } from '../../helpers/handle';
import { buildStore } from '../../helpers/store';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-verify-')));
afterEach(async () => cleanup());

const MiB = 1 << 20;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Bytes that differ from chunk to chunk, so a chunk hashed twice or skipped changes the digest. */
function pseudoRandom(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('hashFile', () => {
  it.each([0, 1, MiB - 1, MiB, MiB + 1, 2 * MiB + 12_345])('hashes a file of %i bytes exactly', async (size) => {
    const data = pseudoRandom(size, size + 1);
    const file = path.join(dir, 'f');
    writeFileSync(file, data);
    expect(await hashFile(localFs, file)).toBe(sha(data));
  });

  it.each([0, 1, 4000, MiB - 1])(
    "hashes a file the manifest gives as %i bytes through synchronous reads, none through the handle's methods",
    async (size) => {
      const data = pseudoRandom(size, size + 2);
      const file = path.join(dir, 'f');
      writeFileSync(file, data);
      const calls: string[] = [];
      expect(await hashFile(countingMethodCalls(localFs, 'read', calls), file, size)).toBe(sha(data));
      expect(calls).toEqual([]);
    },
  );

  it.skipIf(process.platform === 'win32')(
    'hashes a small file on a network share (a UNC-shaped path) through the handle, not synchronously',
    async () => {
      const data = pseudoRandom(4000, 9);
      const file = path.join(dir, 'f');
      writeFileSync(file, data);
      const calls: string[] = [];
      const far = `/${file}`; // "//…": POSIX reads it as the same file, near-path as a share
      expect(await hashFile(countingMethodCalls(localFs, 'read', calls), far, data.length)).toBe(sha(data));
      expect(calls.length).toBeGreaterThan(0);
    },
  );

  it('reads to the real end whatever size the manifest gives (a longer file has another hash)', async () => {
    const data = pseudoRandom(MiB + 70_000, 5);
    const file = path.join(dir, 'f');
    writeFileSync(file, data);
    expect(await hashFile(localFs, file, 100)).toBe(sha(data));
  });

  it.each([100, 3 * MiB])('closes the file when a read fails (the manifest gives %i bytes)', async (size) => {
    const file = path.join(dir, 'f');
    writeFileSync(file, pseudoRandom(3 * MiB, 3));
    const faulty = createFaultyFs(localFs, { rules: [{ code: 'EIO', ops: ['handle.read'] }] });
    let closed = 0;
    const fs = {
      ...faulty.fs,
      open: async (p: string, flags?: string | number) => {
        const handle = await faulty.fs.open(p, flags);
        return new Proxy(handle, {
          get: (t, prop, r) =>
            prop === 'close'
              ? async () => {
                  closed += 1;
                  return t.close();
                }
              : Reflect.get(t, prop, r),
        });
      },
    } as FileSystem;
    await expect(hashFile(fs, file, size)).rejects.toThrow('EIO');
    expect(closed).toBe(1);
  });

  it('closes the file when a read fails', async () => {
    const file = path.join(dir, 'f');
    writeFileSync(file, pseudoRandom(3 * MiB, 3));
    let closed = 0;
    let reads = 0;
    const fs = {
      ...localFs,
      open: async (p: string, flags?: string | number) => {
        const handle = await localFs.open(p, flags);
        const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<unknown>;
        const close = handle.close.bind(handle);
        return Object.assign(handle, {
          read: async (...a: unknown[]) => {
            reads += 1;
            if (reads === 2) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
            return read(...a);
          },
          close: async () => {
            closed += 1;
            return close();
          },
        });
      },
    } as FileSystem;
    await expect(hashFile(fs, file)).rejects.toThrow('EIO');
    expect(closed).toBe(1);
  });
});

describe('verifySnapshot, files checked at once', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 12; i++) files[`f${String(i).padStart(2, '0')}.dat`] = `content ${i} `.repeat(1000 + i);

  /** localFs whose lstat of the first files is slow (so later checks finish first); counts open files. */
  function slowFirstFs(seen: { open: number; maxOpen: number }): FileSystem {
    // The first stored file opened stays open until another one opens (or 500 ms pass), so checks that run at once
    // overlap however busy the machine is, and checks one after another never do.
    const company: Array<() => void> = [];
    let waited = false;
    return {
      ...localFs,
      lstat: (async (p: string, o?: { bigint?: boolean }) => {
        const name = path.basename(p);
        if (name === 'f00.dat' || name === 'f01.dat') await new Promise((r) => setTimeout(r, 30));
        return localFs.lstat(p, o as { bigint: true });
      }) as FileSystem['lstat'],
      open: async (p: string, flags?: string | number) => {
        const handle: FileHandle = await localFs.open(p, flags);
        if (!p.endsWith('.dat')) return handle; // the manifest, read all along: not a check
        seen.open += 1;
        seen.maxOpen = Math.max(seen.maxOpen, seen.open);
        for (const wake of company.splice(0)) wake();
        if (!waited) {
          waited = true;
          await new Promise<void>((r) => {
            company.push(r);
            setTimeout(r, 500);
          });
        }
        const close = handle.close.bind(handle);
        return Object.assign(handle, {
          close: async () => {
            seen.open -= 1;
            await new Promise((r) => setTimeout(r, 2));
            return close();
          },
        });
      },
    } as FileSystem;
  }

  it('checks several files at once, at most VERIFY_CONCURRENCY, and reports problems in manifest order', async () => {
    const dest = path.join(dir, 'dest');
    await buildStore(dest, [{ id: '2026-11-25_020000', files }]);
    const snapshot = await resolveSnapshotId(dest, 'latest');
    // Damage the first and a later file: the later one's check finishes first.
    for (const name of ['f00.dat', 'f07.dat']) {
      const full = path.join(snapshot.dir, name);
      await localFs.chmod(full, 0o644);
      writeFileSync(full, `${files[name].slice(0, -1)}X`);
    }
    const seen = { open: 0, maxOpen: 0 };
    const { record, problems, hashed } = await verifySnapshot(snapshot, {
      fs: slowFirstFs(seen),
      writeRecord: false,
    });
    expect(seen.maxOpen).toBeGreaterThan(1);
    expect(seen.maxOpen).toBeLessThanOrEqual(VERIFY_CONCURRENCY);
    expect(problems.map((p) => p.path)).toEqual(['f00.dat', 'f07.dat']);
    expect(record.damaged).toEqual(['f00.dat', 'f07.dat']);
    expect(hashed.map((h) => h.path)).toEqual(Object.keys(files));
    expect(hashed.filter((h) => !h.ok).map((h) => h.path)).toEqual(['f00.dat', 'f07.dat']);
    expect(record.filesChecked).toBe(12);
  });

  it('picks the same sample for the same random numbers, in manifest order', async () => {
    const dest = path.join(dir, 'dest');
    await buildStore(dest, [{ id: '2026-11-25_020000', files }]);
    const snapshot = await resolveSnapshotId(dest, 'latest');
    const draws = [0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.45, 0.55, 0.05, 0.95];
    const sample = async () => {
      let i = 0;
      const { hashed } = await verifySnapshot(snapshot, {
        fs: slowFirstFs({ open: 0, maxOpen: 0 }),
        samplePercent: 50,
        random: () => draws[i++ % draws.length],
        writeRecord: false,
      });
      return hashed.map((h) => h.path);
    };
    const expected = Object.keys(files).filter((_, i) => draws[i] < 0.5);
    expect(await sample()).toEqual(expected);
    expect(await sample()).toEqual(expected);
  });
});
