import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileBlockReader } from '../../../src/guard/block-reader';
import {
  BLOCK_BYTES,
  SAMPLE_CONCURRENCY,
  type BlockReader,
  type SampleCandidate,
  blockOffsets,
  chooseSample,
  compressionRatio,
  sampleCompressibility,
} from '../../../src/guard/compressibility';
import { localFs } from '../../../src/fs/local';
import { avimarkRecords, avimarkTree, encrypt, writeTree } from './avimark-records';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-guard-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A reader that counts what it was asked for. */
function countingReader(
  inner: BlockReader,
): BlockReader & { calls: Array<{ file: string; offset: number; length: number }> } {
  const calls: Array<{ file: string; offset: number; length: number }> = [];
  return {
    calls,
    read: (file, offset, length, into) => {
      calls.push({ file, offset, length });
      return inner.read(file, offset, length, into);
    },
  };
}

async function candidates(prevRoot: string, curRoot: string, rels: readonly string[]): Promise<SampleCandidate[]> {
  return Promise.all(
    rels.map(async (rel) => {
      const cur = path.join(curRoot, ...rel.split('/'));
      const prev = path.join(prevRoot, ...rel.split('/'));
      return {
        path: rel,
        current: { file: cur, size: (await stat(cur)).size },
        previous: { file: prev, size: (await stat(prev)).size },
      };
    }),
  );
}

describe('compressionRatio on real data', () => {
  it('AVImark-like records compress well; their AES-256-CTR encryption does not', async () => {
    const records = avimarkRecords(400, 392, 7);
    const plain = compressionRatio(records);
    const encrypted = compressionRatio(encrypt(records));
    expect(plain).toBeLessThan(0.35);
    expect(encrypted).toBeGreaterThan(0.99);
    expect(compressionRatio(new Uint8Array(0))).toBe(0);
  });
});

describe('blockOffsets', () => {
  it('reads start, middle and end (block aligned in the middle), fewer for small files', () => {
    expect(blockOffsets(100)).toEqual([0]);
    expect(blockOffsets(BLOCK_BYTES)).toEqual([0]);
    expect(blockOffsets(BLOCK_BYTES + 1)).toEqual([0, 1]);
    expect(blockOffsets(10 * BLOCK_BYTES)).toEqual([0, 4 * BLOCK_BYTES, 9 * BLOCK_BYTES]);
  });
});

describe('chooseSample', () => {
  const c = (p: string, size: number): SampleCandidate => ({
    path: p,
    current: { file: p, size },
    previous: { file: `prev/${p}`, size },
  });

  it('skips tiny files, puts already-compressed formats last, spreads over the list, honours both limits', () => {
    const list = [
      c('tiny.V2$', 100),
      ...Array.from({ length: 16 }, (_, i) => c(`T${String(i).padStart(2, '0')}.V2$`, 8192)),
      c('Docs/a.jpg', 8192),
      c('Docs/b.PDF', 8192),
    ];
    const all = chooseSample(list, { sampleFiles: 100, sampleBytes: 1e9 });
    expect(all.map((x) => x.path)).not.toContain('tiny.V2$');
    expect(all).toHaveLength(18);
    expect(
      all
        .slice(-2)
        .map((x) => x.path)
        .sort(),
    ).toEqual(['Docs/a.jpg', 'Docs/b.PDF']);
    const four = chooseSample(list, { sampleFiles: 4, sampleBytes: 1e9 }).map((x) => x.path);
    expect(four).toEqual(['T08.V2$', 'T04.V2$', 'T12.V2$', 'T02.V2$']);
    // each candidate costs 2 × 8 KiB (both copies): 40 KiB buys two
    expect(chooseSample(list, { sampleFiles: 100, sampleBytes: 40 * 1024 })).toHaveLength(2);
    expect(chooseSample(list, { sampleFiles: 0, sampleBytes: 1e9 })).toEqual([]);
  });
});

describe('sampleCompressibility over real files', () => {
  it('finds the tables AES encrypted in place and reads within the limits', async () => {
    const root = await tempDir();
    const tree = avimarkTree(11);
    await writeTree(path.join(root, 'prev'), tree);
    const tables = tree.filter((f) => f.path.endsWith('.V2$') && f.path.startsWith('TABLE'));
    await writeTree(
      path.join(root, 'cur'),
      tree.map((f) => (tables.includes(f) ? { path: f.path, data: encrypt(f.data) } : f)),
    );
    const list = await candidates(
      path.join(root, 'prev'),
      path.join(root, 'cur'),
      tables.map((t) => t.path),
    );
    const reader = countingReader(fileBlockReader(localFs));
    const limits = { sampleFiles: 8, sampleBytes: 4 * 1024 * 1024 };
    const sample = await sampleCompressibility(list, reader, limits);
    expect(sample.files).toHaveLength(8);
    expect(sample.skipped).toBe(tables.length - 8);
    for (const f of sample.files) {
      expect(f.previousRatio).toBeLessThan(0.5);
      expect(f.ratio).toBeGreaterThan(0.99);
      expect(f.becameIncompressible).toBe(true);
    }
    const asked = reader.calls.reduce((sum, call) => sum + call.length, 0);
    expect(sample.bytesRead).toBe(asked);
    expect(sample.bytesRead).toBeLessThanOrEqual(limits.sampleBytes);
  });

  it('a normal night (records rewritten in place) stays compressible; an incompressible baseline says nothing', async () => {
    const root = await tempDir();
    const tree = avimarkTree(12);
    await writeTree(path.join(root, 'prev'), tree);
    const night = tree.map((f) => {
      if (f.path.startsWith('TABLE')) {
        const data = Buffer.from(f.data);
        avimarkRecords(20, 256, 99).copy(data, 256 * 10);
        return { path: f.path, data };
      }
      if (f.path.endsWith('.jpg')) return { path: f.path, data: encrypt(f.data) };
      return f;
    });
    await writeTree(path.join(root, 'cur'), night);
    const rels = tree.filter((f) => f.path.startsWith('TABLE') || f.path.endsWith('.jpg')).map((f) => f.path);
    const sample = await sampleCompressibility(
      await candidates(path.join(root, 'prev'), path.join(root, 'cur'), rels),
      fileBlockReader(localFs),
      { sampleFiles: 100, sampleBytes: 64 * 1024 * 1024 },
    );
    expect(sample.files).toHaveLength(rels.length);
    expect(sample.files.filter((f) => f.becameIncompressible)).toEqual([]);
    const jpg = sample.files.find((f) => f.path.endsWith('X0.jpg'));
    expect(jpg?.ratio).toBeGreaterThan(0.99);
    expect(jpg?.previousRatio).toBeGreaterThan(0.99);
  });

  it('samples several files at once, with the same result, in the same order, as one read at a time', async () => {
    const root = await tempDir();
    const tree = avimarkTree(13);
    await writeTree(path.join(root, 'prev'), tree);
    const tables = tree.filter((f) => f.path.startsWith('TABLE'));
    await writeTree(
      path.join(root, 'cur'),
      tree.map((f, i) => (tables.includes(f) && i % 2 === 0 ? { path: f.path, data: encrypt(f.data) } : f)),
    );
    const list = await candidates(
      path.join(root, 'prev'),
      path.join(root, 'cur'),
      tables.map((t) => t.path),
    );
    const limits = { sampleFiles: 100, sampleBytes: 64 * 1024 * 1024 };
    const real = fileBlockReader(localFs);
    // One read at a time, the first files slowest (so finishing order differs from the sample's order).
    let queue = Promise.resolve();
    const serial: BlockReader = {
      read: (file, offset, length) => {
        const result = queue.then(() => real.read(file, offset, length));
        queue = result.then(() => undefined);
        return result;
      },
    };
    let now = 0;
    let most = 0;
    // This one reads into the pooled buffers the sample hands it (the serial one allocates its own).
    const concurrent: BlockReader = {
      read: async (file, offset, length, into) => {
        now += 1;
        most = Math.max(most, now);
        const rank = list.findIndex((c) => c.current.file === file || c.previous?.file === file);
        await new Promise((r) => setTimeout(r, Math.max(0, 12 - rank)));
        now -= 1;
        return real.read(file, offset, length, into);
      },
    };
    const one = await sampleCompressibility(list, serial, limits);
    const many = await sampleCompressibility(list, concurrent, limits);
    expect(many).toEqual(one);
    expect(many.files.map((f) => f.path)).toEqual(chooseSample(list, limits).map((c) => c.path));
    expect(many.files.some((f) => f.becameIncompressible)).toBe(true);
    expect(most).toBeGreaterThan(6); // more than one file's blocks (3 of each copy) in flight
    expect(most).toBeLessThanOrEqual(SAMPLE_CONCURRENCY * 6);
  });

  it('fileBlockReader returns exactly the bytes at the offset, fewer at the end', async () => {
    const root = await tempDir();
    const data = avimarkRecords(1000, 256, 3);
    await writeTree(root, [{ path: 'T.V2$', data }]);
    const reader = fileBlockReader(localFs);
    const file = path.join(root, 'T.V2$');
    expect(Buffer.from(await reader.read(file, 1000, 500)).equals(data.subarray(1000, 1500))).toBe(true);
    expect((await reader.read(file, data.length - 10, 500)).length).toBe(10);
    const into = Buffer.alloc(600, 0xff);
    const block = await reader.read(file, 1000, 500, into);
    expect(block.buffer).toBe(into.buffer);
    expect(Buffer.from(block).equals(data.subarray(1000, 1500))).toBe(true);
    await expect(reader.read(file, 0, 700, into)).rejects.toThrow(RangeError);
  });

  it('a failed read fails the sample only once every read into the pooled buffer has settled', async () => {
    const root = await tempDir();
    const tables = [{ path: 'BIG.V2$', data: avimarkRecords(1000, 512, 4) }]; // three blocks a copy
    await writeTree(path.join(root, 'prev'), tables);
    await writeTree(path.join(root, 'cur'), tables);
    const list = await candidates(path.join(root, 'prev'), path.join(root, 'cur'), ['BIG.V2$']);
    expect(blockOffsets(list[0].current.size)).toHaveLength(3);
    const real = fileBlockReader(localFs);
    // This snapshot's copy fails at its first block; its other blocks are still being read into the same
    // pooled buffer then (the previous copy has a buffer of its own).
    const failingFile = list[0].current.file;
    let pending = 0;
    let pendingAtFailure = -1;
    const failing: BlockReader = {
      read: async (file, offset, length, into) => {
        if (file !== failingFile) return real.read(file, offset, length, into);
        if (offset === 0) throw new Error('EIO: the first block cannot be read');
        pending += 1;
        await new Promise((r) => setTimeout(r, 20));
        const block = await real.read(file, offset, length, into);
        pending -= 1;
        return block;
      },
    };
    await expect(
      sampleCompressibility(list, failing, { sampleFiles: 1, sampleBytes: 64 * 1024 * 1024 }).catch((err: unknown) => {
        pendingAtFailure = pending;
        throw err;
      }),
    ).rejects.toThrow('EIO');
    expect(pendingAtFailure).toBe(0);
  });
});
