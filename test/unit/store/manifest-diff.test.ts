import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { ManifestFormatError, comparePaths, writeManifest } from '../../../src/store/manifest';
import { ManifestCursor, type MergedEntry, changedFiles, mergeByPath } from '../../../src/store/manifest-diff';
import type { ManifestEntry } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';
import { countingOpens } from '../../helpers/fs';
import { seeded } from '../../helpers/random';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-manifest-diff-')));
afterEach(async () => cleanup());

const file = (p: string, sha = 'a', extra: Partial<ManifestEntry> = {}): ManifestEntry => ({
  path: p,
  type: 'file',
  size: 3,
  mtimeNs: '1700000000123456789',
  sha256: sha.repeat(64),
  attributes: { mode: 0o444, readonly: true },
  ...extra,
});
const folder = (p: string): ManifestEntry => ({ ...file(p), type: 'dir', size: 0, sha256: null });

const header = { format: 'avimark-backup-manifest' as const, version: 1 as const, source: '/s', createdAt: 'x' };

async function manifest(name: string, entries: ManifestEntry[]): Promise<string> {
  const file = path.join(dir, `${name}.jsonl`);
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path));
  await writeManifest(localFs, file, { ...header, snapshotId: name }, sorted, sorted.length);
  return file;
}

/** The oracle: the whole older manifest in a map, as the after-backup step did before. */
function byIndex(newer: ManifestEntry[], older: ManifestEntry[]): Set<string> {
  const index = new Map(older.map((e) => [e.path, e]));
  const out = new Set<string>();
  for (const e of newer) {
    if (e.type !== 'file') continue;
    const old = index.get(e.path);
    if (old?.type !== 'file' || old.sha256 !== e.sha256 || old.size !== e.size || old.mtimeNs !== e.mtimeNs)
      out.add(e.path);
  }
  return out;
}

describe('changedFiles', () => {
  it('names new files and files whose content, size or time changed, across the order of "-", "." and "/"', async () => {
    const older = [
      folder('a'),
      file('a/b'),
      file('a-c'),
      file('a.b'),
      file('gone'),
      file('size'),
      file('time'),
      folder('was-a-folder'),
    ];
    const newer = [
      folder('a'),
      file('a/b', 'x'), // content
      file('a-c'), // same
      file('a.b'), // same
      file('a/new'), // new, inside a folder that sorts after its siblings
      file('size', 'a', { size: 4 }),
      file('time', 'a', { mtimeNs: '1700000000123456790' }),
      file('was-a-folder'),
      folder('z'),
    ];
    const changed = await changedFiles(localFs, await manifest('new', newer), await manifest('old', older));
    expect([...changed].sort()).toEqual(['a/b', 'a/new', 'size', 'time', 'was-a-folder']);
  });

  it('equals the whole-index answer on random manifests (an independent oracle)', async () => {
    const random = seeded(5);
    const parts = ['a', 'b', 'a-', 'a.', 'A', 'é', '0'];
    const names = new Set<string>();
    while (names.size < 300)
      names.add(Array.from({ length: 1 + random(3) }, () => parts[random(parts.length)]).join('/'));
    const all = [...names].map((p) => file(p, 'abc'[random(3)]));
    const older = all.filter(() => random(4) !== 0);
    const newer = all
      .filter(() => random(4) !== 0)
      .map((e) => (random(5) === 0 ? { ...e, sha256: 'f'.repeat(64) } : e));
    const changed = await changedFiles(localFs, await manifest('new', newer), await manifest('old', older));
    const expected = byIndex(newer, older);
    expect(expected.size).toBeGreaterThan(50);
    expect(changed).toEqual(expected);
  });

  it('with an empty older manifest every file is new', async () => {
    const newer = [file('x'), folder('d'), file('d/y')];
    expect(await changedFiles(localFs, await manifest('new', newer), await manifest('old', []))).toEqual(
      new Set(['x', 'd/y']),
    );
  });
});

describe('ManifestCursor', () => {
  it('answers lookups made in path order, "not there" for a path behind the last one, and closes early', async () => {
    const at = await manifest('m', [folder('a'), file('a/b', 'x'), file('a-c'), file('a.b'), file('z')]);
    const counting = countingOpens();
    const cursor = await ManifestCursor.open(counting.fs, at);
    expect((await cursor.get('a'))?.type).toBe('dir');
    expect(await cursor.get('a-b')).toBeUndefined(); // not in the manifest
    expect((await cursor.get('a-c'))?.path).toBe('a-c');
    expect((await cursor.get('a/b'))?.sha256).toBe('x'.repeat(64)); // '/' sorts after '-' and '.'
    expect(await cursor.get('a.b')).toBeUndefined(); // behind the last lookup: answered "not there"
    expect(counting.openFiles()).toBe(1);
    await cursor.close();
    expect(counting.openFiles()).toBe(0);
  });
});

describe('ManifestCursor.open', () => {
  it('refuses a manifest cut short before any lookup (damage, exit 3), and a missing one is ENOENT', async () => {
    const at = await manifest('m', [file('a'), file('b'), file('c')]);
    const text = await readFile(at, 'utf8');
    await writeFile(at, `${text.split('\n').slice(0, 3).join('\n')}\n`); // header and two of three entries
    await expect(ManifestCursor.open(localFs, at)).rejects.toBeInstanceOf(ManifestFormatError);
    await expect(ManifestCursor.open(localFs, path.join(dir, 'none.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('mergeByPath', () => {
  async function* stream(entries: ManifestEntry[]): AsyncGenerator<ManifestEntry> {
    yield* entries;
  }
  const merged = async (older: ManifestEntry[], newer: ManifestEntry[]) => {
    const out: MergedEntry[] = [];
    for await (const m of mergeByPath(stream(older), newer)) out.push(m);
    return out;
  };
  const paths = (m: MergedEntry) => [m.before?.path ?? null, m.after?.path ?? null];

  it('pairs equal paths and gives each other path once, in path order ("-", "." before "/")', async () => {
    const older = [folder('a'), file('a-c'), file('a/b'), file('gone')];
    const newer = [folder('a'), file('a-c'), file('a.b'), file('a/b'), file('new')];
    expect((await merged(older, newer)).map(paths)).toEqual([
      ['a', 'a'],
      ['a-c', 'a-c'],
      [null, 'a.b'],
      ['a/b', 'a/b'],
      ['gone', null],
      [null, 'new'],
    ]);
  });

  it('refuses an older stream out of path order (it would pair the wrong entries)', async () => {
    await expect(merged([file('b'), file('a')], [file('a')])).rejects.toBeInstanceOf(ManifestFormatError);
    await expect(merged([file('a'), file('a')], [])).rejects.toBeInstanceOf(ManifestFormatError);
  });

  it('equals a map of both sides on random streams (an independent oracle)', async () => {
    const parts = ['a', 'b', 'a-', 'a.', 'A', '0'];
    const random = seeded(11);
    const names = new Set<string>();
    while (names.size < 200)
      names.add(Array.from({ length: 1 + random(3) }, () => parts[random(parts.length)]).join('/'));
    const sorted = [...names].sort(comparePaths).map((p) => file(p));
    const older = sorted.filter(() => random(3) !== 0);
    const newer = sorted.filter(() => random(3) !== 0);
    const got = await merged(older, newer);
    const olds = new Set(older.map((e) => e.path));
    const news = new Set(newer.map((e) => e.path));
    const expected = sorted
      .filter((e) => olds.has(e.path) || news.has(e.path))
      .map((e) => [olds.has(e.path) ? e.path : null, news.has(e.path) ? e.path : null]);
    expect(got.map(paths)).toEqual(expected);
  });
});
