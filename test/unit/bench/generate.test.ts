import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeRegions, planChurn } from '../../../bench/dataset/churn-plan';
import { GIB, MIB, planTree } from '../../../bench/dataset/profile';
import { churn, generateAvimarkTree, listTree, manyFilesOptions } from '../../../bench/generate';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-bench-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** path → size, mtime and SHA-256 of every file. */
async function fingerprint(dir: string): Promise<Map<string, { size: number; mtimeMs: number; sha256: string }>> {
  const out = new Map<string, { size: number; mtimeMs: number; sha256: string }>();
  for (const f of listTree(dir)) {
    const sha256 = createHash('sha256')
      .update(await readFile(path.join(dir, f.path)))
      .digest('hex');
    out.set(f.path, { size: f.size, mtimeMs: f.mtimeMs, sha256 });
  }
  return out;
}

describe('planTree (pure)', () => {
  it('shapes a 2 GiB tree like an AVImark server and honours the total', () => {
    const plan = planTree({ totalBytes: 2 * GIB, seed: 1 });
    const paths = new Set(plan.files.map((f) => f.path));
    for (const name of [
      'CLIENT.V2$',
      'ANIMAL.V2$',
      'TREAT.V2$',
      'ACCOUNT.V2$',
      'MEDABNRM.V2$',
      'WP.V2$',
      'SERVMEMO.V2$',
    ]) {
      expect(paths.has(name), name).toBe(true);
    }
    for (const name of [
      'LOG001.V2$',
      'LOG001WP.V2$',
      'LOG151.V2$',
      'LOG151WP.V2$',
      'AVImark.db$',
      'AVImark.db$-lock',
      'AVImarkServer.ini',
      'avimark.exe',
    ]) {
      expect(paths.has(name), name).toBe(true);
    }
    expect(plan.files.filter((f) => f.kind === 'log')).toHaveLength(302);
    const tables = plan.files.filter((f) => f.kind === 'table');
    expect(tables.length).toBeGreaterThanOrEqual(90);
    expect(Math.max(...tables.map((f) => f.size))).toBeGreaterThan(100 * MIB);
    expect(Math.min(...tables.map((f) => f.size))).toBeLessThan(64 * 1024);
    expect(plan.files.filter((f) => f.kind === 'document')).toHaveLength(4000);
    const total = plan.files.reduce((s, f) => s + f.size, 0);
    expect(Math.abs(total - 2 * GIB) / (2 * GIB)).toBeLessThan(0.02);
    // The newest log is the current one; the historical ones are old.
    const log = (n: string) => plan.files.find((f) => f.path === `LOG${n}.V2$`)!;
    expect(log('151').mtimeMs).toBeGreaterThan(log('150').mtimeMs);
    expect(log('150').mtimeMs).toBeGreaterThan(log('001').mtimeMs);
  });

  it('scales the document count with the total and honours an explicit count', () => {
    const small = planTree({ totalBytes: 32 * MIB, seed: 1 }).files.filter((f) => f.kind === 'document');
    expect(small.length).toBe(63);
    const many = planTree({ totalBytes: 384 * MIB, seed: 1, files: 100_000, documentsShare: 0.5 });
    expect(many.files.filter((f) => f.kind === 'document')).toHaveLength(100_000);
    expect(manyFilesOptions('/x')).toMatchObject({ files: 100_000, totalBytes: 100_000 * 4096 });
    expect(manyFilesOptions('/x', 1, 10_000)).toMatchObject({ files: 10_000, totalBytes: 10_000 * 4096 });
  });

  it('rejects a total below 1 MiB', () => {
    expect(() => planTree({ totalBytes: 1000, seed: 1 })).toThrow(/at least 1 MiB/);
  });
});

describe('generateAvimarkTree', () => {
  it('is deterministic: the same seed gives the same names, sizes, mtimes and bytes; another seed does not', async () => {
    const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
    const statsA = generateAvimarkTree({ dir: a, totalBytes: 4 * MIB, seed: 7 });
    generateAvimarkTree({ dir: b, totalBytes: 4 * MIB, seed: 7 });
    generateAvimarkTree({ dir: c, totalBytes: 4 * MIB, seed: 8 });
    const [fa, fb, fc] = [await fingerprint(a), await fingerprint(b), await fingerprint(c)];
    expect(fa.size).toBe(statsA.files);
    expect([...fb]).toEqual([...fa]);
    const differing = [...fa].filter(([p, v]) => fc.get(p)?.sha256 !== v.sha256);
    expect(differing.length).toBeGreaterThan(fa.size / 2);
  });

  it('writes roughly the requested number of bytes, in content that does not compress', async () => {
    const dir = await tempDir();
    const stats = generateAvimarkTree({ dir, totalBytes: 24 * MIB, seed: 3 });
    const onDisk = listTree(dir).reduce((s, f) => s + f.size, 0);
    expect(onDisk).toBe(stats.bytes);
    expect(Math.abs(onDisk - 24 * MIB) / (24 * MIB)).toBeLessThan(0.05);
    const { gzipSync } = await import('node:zlib');
    const sample = await readFile(path.join(dir, stats.largest.path));
    expect(gzipSync(sample.subarray(0, 1024 * 1024)).length).toBeGreaterThan(
      0.99 * Math.min(sample.length, 1024 * 1024),
    );
  });

  it('refuses a non-empty folder', async () => {
    const dir = await tempDir();
    generateAvimarkTree({ dir, totalBytes: 2 * MIB, seed: 1 });
    expect(() => generateAvimarkTree({ dir, totalBytes: 2 * MIB, seed: 1 })).toThrow(/not empty/);
  });
});

describe('churn', () => {
  it('changes exactly what it reports, and nothing else', async () => {
    const dir = await tempDir();
    generateAvimarkTree({ dir, totalBytes: 6 * MIB, seed: 5 });
    const before = await fingerprint(dir);
    const now = new Date(Date.UTC(2026, 10, 26, 3, 0, 0));
    const result = churn({ dir, seed: 5, now });
    const after = await fingerprint(dir);

    expect(result.modified.length).toBeGreaterThan(5);
    expect(result.appended.map((a) => a.path)).toEqual(['LOG151.V2$', 'LOG151WP.V2$']);
    expect(result.created.length).toBeGreaterThanOrEqual(3);
    expect(result.deleted.length).toBeGreaterThanOrEqual(1);

    const touched = new Set<string>();
    for (const m of result.modified) {
      touched.add(m.path);
      const [was, is] = [before.get(m.path)!, after.get(m.path)!];
      expect(is.size, m.path).toBe(was.size);
      expect(is.sha256, m.path).not.toBe(was.sha256);
      expect(is.mtimeMs).toBe(now.getTime());
      expect(m.bytesChanged).toBeGreaterThan(0);
    }
    for (const a of result.appended) {
      touched.add(a.path);
      expect(after.get(a.path)!.size).toBe(before.get(a.path)!.size + a.bytes);
      expect(after.get(a.path)!.mtimeMs).toBe(now.getTime());
    }
    for (const c of result.created) {
      touched.add(c.path);
      expect(before.has(c.path)).toBe(false);
      expect(after.get(c.path)?.size).toBe(c.size);
    }
    for (const d of result.deleted) {
      touched.add(d);
      expect(before.has(d)).toBe(true);
      expect(after.has(d)).toBe(false);
    }
    for (const [p, was] of before) {
      if (!touched.has(p)) expect(after.get(p), p).toEqual(was);
    }
  });

  it('is deterministic, and a second night changes different records', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    generateAvimarkTree({ dir: a, totalBytes: 3 * MIB, seed: 9 });
    generateAvimarkTree({ dir: b, totalBytes: 3 * MIB, seed: 9 });
    const now = new Date(Date.UTC(2026, 10, 26, 3, 0, 0));
    const ra = churn({ dir: a, seed: 9, now });
    const rb = churn({ dir: b, seed: 9, now });
    expect(rb.plan).toEqual(ra.plan);
    expect([...(await fingerprint(b))]).toEqual([...(await fingerprint(a))]);
    const night2 = planChurn(listTree(a), { seed: 9, night: 2 });
    expect(night2.rewrite).not.toEqual(ra.plan.rewrite);
    // New documents continue the numbering instead of overwriting tonight's.
    expect(night2.create.some((c) => ra.created.some((x) => x.path === c.path))).toBe(false);
  });
});

describe('mergeRegions', () => {
  it('merges overlapping and touching regions and drops empty ones', () => {
    expect(
      mergeRegions([
        { offset: 100, length: 10 },
        { offset: 0, length: 50 },
        { offset: 40, length: 20 },
        { offset: 110, length: 5 },
        { offset: 200, length: 0 },
      ]),
    ).toEqual([
      { offset: 0, length: 60 },
      { offset: 100, length: 15 },
    ]);
  });
});
