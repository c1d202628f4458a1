import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { ExitCode, exitCodeOf } from '../../../src/errors';
import { ManifestFormatError, openManifest, readLines, writeManifest } from '../../../src/store/manifest';
import { isManifestComplete } from '../../../src/store/manifest-complete';
import type { ManifestEntry } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';
import { seeded } from '../../helpers/random';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-manifest-')));
afterEach(async () => cleanup());

const entry = (p: string, extra: Partial<ManifestEntry> = {}): ManifestEntry => ({
  path: p,
  type: 'file',
  size: 3,
  mtimeNs: '1700000000123456789',
  sha256: 'b'.repeat(64),
  attributes: { mode: 0o444, readonly: true },
  ...extra,
});

const header = { format: 'avimark-backup-manifest' as const, version: 1 as const, snapshotId: 'x', source: '/s' };

describe('ManifestWriter', () => {
  it('writes entries across many 1 MiB buffers, multi-byte names and a line longer than the buffer, in order', async () => {
    const entries: ManifestEntry[] = [];
    for (let i = 0; i < 12_000; i += 1) entries.push(entry(`dossier-é/${String(i).padStart(6, '0')}-ü.doc`));
    entries.splice(5000, 0, entry('long', { type: 'symlink', size: 0, sha256: null, linkTarget: 'é'.repeat(700_000) }));
    const file = path.join(dir, 'manifest.jsonl');
    await writeManifest(localFs, file, { ...header, createdAt: '2026-12-05T00:00:00Z' }, entries, entries.length);
    const read: ManifestEntry[] = [];
    for await (const e of (await openManifest(localFs, file)).entries) read.push(e);
    expect(read).toEqual(entries);
    expect(await isManifestComplete(localFs, file)).toBe(true);
  });
});

describe('readLines', () => {
  const linesOf = async (text: string): Promise<string[]> => {
    const file = path.join(dir, 'lines.txt');
    await writeFile(file, text);
    const lines: string[] = [];
    for await (const line of readLines(localFs, file)) lines.push(line);
    return lines;
  };

  it('gives the lines of splitting the text, across 1 MiB reads, a line longer than the buffer and multi-byte characters', async () => {
    const random = seeded(17);
    const pieces = ['a', 'é', '€', '😀', '\t'];
    const parts: string[] = [];
    let length = 0;
    while (length < 5 * 1024 * 1024) {
      const n = random(10) === 0 ? random(700 * 1024) : random(80);
      const line = Array.from({ length: n }, () => pieces[random(pieces.length)]).join('');
      parts.push(line);
      length += Buffer.byteLength(line) + 1;
    }
    const text = `${parts.join('\n')}\n`;
    // Compared by index, so that a failure names the first line that differs instead of printing megabytes.
    const firstDifference = (a: string[], b: string[]): number | null => {
      for (let i = 0; i < Math.max(a.length, b.length); i += 1) if (a[i] !== b[i]) return i;
      return null;
    };
    expect(firstDifference(await linesOf(text), parts)).toBeNull();
    expect(
      firstDifference(await linesOf(`${text}tail without newline`), [...parts, 'tail without newline']),
    ).toBeNull();
    expect(Math.max(...parts.map((p) => Buffer.byteLength(p)))).toBeGreaterThan(1024 * 1024);
  });

  it('keeps empty lines, and a newline that falls on the last byte of a read', async () => {
    const first = 'x'.repeat(1024 * 1024 - 1);
    expect(await linesOf(`${first}\n\nsecond\n`)).toEqual([first, '', 'second']);
    expect(await linesOf('')).toEqual([]);
    expect(await linesOf('\n')).toEqual(['']);
  });

  it('with a small buffer of its own: the same lines, one longer than the buffer grown into', async () => {
    const random = seeded(19);
    const lines = Array.from({ length: 300 }, (_, i) => `${i}:${'é😀x'.repeat(random(40))}`);
    const file = path.join(dir, 'small.txt');
    await writeFile(file, `${lines.join('\n')}\n`);
    const read: string[] = [];
    for await (const line of readLines(localFs, file, 16)) read.push(line);
    expect(read).toEqual(lines);
  });
});

describe('openManifest: a damaged or altered manifest never leads a reader outside its folders', () => {
  const read = async (lines: unknown[]) => {
    const file = path.join(dir, 'manifest.jsonl');
    const text = [{ ...header, createdAt: '2026-12-05T00:00:00Z', entries: lines.length }, ...lines]
      .map((l) => JSON.stringify(l))
      .join('\n');
    await writeFile(file, `${text}\n`);
    const seen: string[] = [];
    try {
      for await (const e of (await openManifest(localFs, file)).entries) seen.push(e.path);
      return { seen, error: null };
    } catch (err) {
      return { seen, error: err };
    }
  };

  it('stops at an entry whose path climbs out, naming the line; exit 3 (damage)', async () => {
    const r = await read([entry('a'), entry('sub/../../../escaped.txt'), entry('z')]);
    expect(r.seen).toEqual(['a']);
    expect(r.error).toBeInstanceOf(ManifestFormatError);
    expect(exitCodeOf(r.error)).toBe(ExitCode.Damage);
    expect(String(r.error)).toMatch(
      /line 3: the path "sub\/\.\.\/\.\.\/\.\.\/escaped\.txt" has an empty, "\." or "\.\." part/,
    );
  });

  it('stops at an entry below a link, and at a line that is not an entry', async () => {
    const link = entry('docs', { type: 'symlink', size: 0, sha256: null, linkTarget: '/etc' });
    const below = await read([link, entry('docs/passwd')]);
    expect(below.seen).toEqual(['docs']);
    expect(String(below.error)).toMatch(/line 3: "docs\/passwd" lies below the link "docs"/);
    const notEntry = await read([entry('a'), null]);
    expect(String(notEntry.error)).toMatch(/line 3: the path undefined is not a string/);
  });
});
