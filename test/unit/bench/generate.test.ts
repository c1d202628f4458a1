import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeRegions, planChurn } from '../../../bench/dataset/churn-plan';
import { detectProfile, planDataset } from '../../../bench/dataset/plan';
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

  it('writes roughly the requested number of bytes; tables compress, documents do not', async () => {
    const dir = await tempDir();
    const stats = generateAvimarkTree({ dir, totalBytes: 24 * MIB, seed: 3 });
    const files = listTree(dir);
    const onDisk = files.reduce((s, f) => s + f.size, 0);
    expect(onDisk).toBe(stats.bytes);
    expect(Math.abs(onDisk - 24 * MIB) / (24 * MIB)).toBeLessThan(0.05);
    const { gzipSync } = await import('node:zlib');
    const ratio = async (rel: string) => {
      const head = (await readFile(path.join(dir, rel))).subarray(0, 1024 * 1024);
      return gzipSync(head).length / head.length;
    };
    expect(stats.largest.path).toMatch(/\.V2\$$/);
    expect(await ratio(stats.largest.path)).toBeLessThan(0.3);
    const document = files.filter((f) => f.path.startsWith('My Documents/')).sort((a, b) => b.size - a.size)[0];
    expect(await ratio(document.path)).toBeGreaterThan(0.99);
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

describe('the avimark profile (the reference clinic’s size mix)', () => {
  const plan = planDataset({ profile: 'avimark', totalBytes: 2 * GIB, seed: 1 });
  const of = (kind: string) => plan.files.filter((f) => f.kind === kind);

  it('has the real tables and logs, a few of them large, many medium and small, and honours the total', () => {
    const tables = of('table');
    expect(tables.length).toBeGreaterThanOrEqual(90);
    expect(of('log')).toHaveLength(302);
    const total = plan.files.reduce((s, f) => s + f.size, 0);
    expect(Math.abs(total - 2 * GIB) / (2 * GIB)).toBeLessThan(0.02);
    const bySize = [...plan.files].sort((a, b) => b.size - a.size);
    expect(bySize[0].path).toBe('LOG004.V2$');
    const large = plan.files.filter((f) => f.size > 90 * MIB).map((f) => f.path);
    expect(large.length).toBeGreaterThanOrEqual(3);
    expect(large.length).toBeLessThanOrEqual(6);
    expect(large).toContain('MEDABNRM.V2$');
    const mid = tables.filter((f) => f.size >= 1 * MIB && f.size <= 50 * MIB).length;
    const small = tables.filter((f) => f.size < 1 * MIB).length;
    expect(mid).toBeGreaterThanOrEqual(20);
    expect(small).toBeGreaterThanOrEqual(20);
    for (const name of ['AVImarkCOMServer.dll', 'avimark.exe', 'AVImark.db$', 'AVImark.db$-lock', 'AVImarkServer.ini'])
      expect(
        plan.files.some((f) => f.path === name),
        name,
      ).toBe(true);
  });

  it('has a documents and images tree of many small files', () => {
    const docs = of('document');
    expect(docs.length).toBeGreaterThanOrEqual(5000);
    expect(docs.length).toBeGreaterThan(planTree({ totalBytes: 2 * GIB, seed: 1 }).files.length);
    const sizes = docs.map((f) => f.size).sort((a, b) => a - b);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThan(64 * 1024);
    expect(sizes[sizes.length - 1]).toBeGreaterThan(1 * MIB);
    const tops = new Set(docs.map((f) => f.path.split('/').slice(0, 2).join('/')));
    expect(tops).toEqual(
      new Set([
        'My Documents/Letters',
        'My Documents/Scanned',
        'Images/Thumbs',
        'Images/Radiology',
        ...yearFolders('Images'),
      ]),
    );
    for (const ext of ['pdf', 'jpg', 'rtf', 'dcm'])
      expect(
        docs.some((f) => f.path.endsWith(`.${ext}`)),
        ext,
      ).toBe(true);
    expect(plan.dirs.length).toBeGreaterThan(300);
    expect(plan.dirs.every((d) => /^(My Documents|Images)\/.*\d{4}\/\d{2}$/.test(d))).toBe(true);
    const total = plan.files.reduce((s, f) => s + f.size, 0);
    const docBytes = docs.reduce((s, f) => s + f.size, 0);
    expect(docBytes / total).toBeCloseTo(0.25, 1);
  });

  it('has the reference clinic’s real sizes at 4 GiB and scales everything with the total', () => {
    const full = planDataset({ profile: 'avimark', totalBytes: 4 * GIB, seed: 1 });
    const size = (name: string) => full.files.find((f) => f.path === name)?.size ?? 0;
    expect(size('LOG004.V2$') / (363 * 1e6)).toBeGreaterThan(0.9);
    expect(size('LOG004.V2$') / (363 * 1e6)).toBeLessThan(1.2);
    expect(size('MEDABNRM.V2$') / (200 * 1e6)).toBeGreaterThan(0.9);
    expect(size('MEDABNRM.V2$') / (200 * 1e6)).toBeLessThan(1.2);
    const docs = (p: typeof plan) => p.files.filter((f) => f.kind === 'document').length;
    expect(docs(full) / docs(plan)).toBeCloseTo(2, 0);
    const many = planDataset({
      profile: 'avimark',
      totalBytes: 10_000 * 4096,
      seed: 1,
      files: 10_000,
      documentsShare: 0.5,
    });
    expect(many.files.filter((f) => f.kind === 'document')).toHaveLength(10_000);
    expect(manyFilesOptions('/x')).toMatchObject({ profile: 'avimark' });
  });

  it('leaves the uniform profile as it was', () => {
    expect(planDataset({ profile: 'uniform', totalBytes: 64 * MIB, seed: 4 })).toEqual(
      planTree({ totalBytes: 64 * MIB, seed: 4 }),
    );
    expect(detectProfile(plan.files.map((f) => f.path))).toBe('avimark');
    expect(detectProfile(planTree({ totalBytes: 64 * MIB, seed: 4 }).files.map((f) => f.path))).toBe('uniform');
  });

  it('generates it by default, and a night adds documents to this month’s folders of its tree', async () => {
    const dir = await tempDir();
    const stats = generateAvimarkTree({ dir, totalBytes: 8 * MIB, seed: 2 });
    expect(stats.profile).toBe('avimark');
    expect(stats.byKind.document.files).toBeGreaterThan(20);
    const night = churn({ dir, seed: 2, now: new Date(Date.UTC(2026, 10, 26)) });
    expect(night.created.length).toBeGreaterThanOrEqual(3);
    for (const c of night.created)
      expect(c.path).toMatch(
        /^(My Documents\/(Letters|Scanned)|Images(\/Thumbs|\/Radiology)?)\/2026\/11\/[LSTIR]\d{6} /,
      );
    expect(night.deleted.every((p) => p.startsWith('My Documents/') || p.startsWith('Images/'))).toBe(true);
    const uniform = await tempDir();
    expect(generateAvimarkTree({ dir: uniform, totalBytes: 8 * MIB, seed: 2, profile: 'uniform' }).profile).toBe(
      'uniform',
    );
    for (const c of churn({ dir: uniform, seed: 2 }).created)
      expect(c.path).toMatch(/^My Documents\/(Attachments|Images|Letters)\/2026\/11\//);
  });
});

function yearFolders(root: string): string[] {
  const out: string[] = [];
  for (let y = 2013; y <= 2026; y++) out.push(`${root}/${y}`);
  return out;
}
