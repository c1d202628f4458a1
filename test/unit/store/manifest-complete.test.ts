import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { writeManifest } from '../../../src/store/manifest';
import { isManifestComplete } from '../../../src/store/manifest-complete';
import type { ManifestEntry } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-complete-')));
afterEach(async () => cleanup());

const header = { format: 'avimark-backup-manifest' as const, version: 1 as const, snapshotId: 'x', source: '/s' };
const entry = (i: number): ManifestEntry => ({
  path: `dossier/${String(i).padStart(6, '0')}.doc`,
  type: 'file',
  size: i,
  mtimeNs: '1700000000123456789',
  sha256: 'c'.repeat(64),
  attributes: { mode: 0o444, readonly: true },
});

/** Writes a manifest of `n` entries under a fresh name (the completeness cache is keyed by file). */
async function manifest(n: number, name = `m-${n}.jsonl`): Promise<{ file: string; bytes: number }> {
  const file = path.join(dir, name);
  const entries = Array.from({ length: n }, (_, i) => entry(i));
  const bytes = await writeManifest(localFs, file, { ...header, createdAt: '2026-12-07T00:00:00Z' }, entries, n);
  return { file, bytes };
}

/** The local file system, counting the bytes read through its handles. */
function countingFs(): { fs: FileSystem; bytesRead: () => number } {
  let total = 0;
  const fs: FileSystem = {
    ...localFs,
    open: (async (...args: Parameters<FileSystem['open']>) => {
      const handle = await localFs.open(...args);
      const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<{ bytesRead: number }>;
      (handle as { read: unknown }).read = async (...a: unknown[]) => {
        const result = await read(...a);
        total += result.bytesRead;
        return result;
      };
      return handle as FileHandle;
    }) as FileSystem['open'],
  };
  return { fs, bytesRead: () => total };
}

const recorded = (bytes: number | null) => async () => bytes;

describe('isManifestComplete', () => {
  it('writeManifest returns the size of the file it wrote', async () => {
    const { file, bytes } = await manifest(3);
    expect(bytes).toBe(statSync(file).size);
  });

  it('with the recorded size, reads a few KiB of a large manifest; without it, every byte', async () => {
    const { file, bytes } = await manifest(20_000);
    expect(bytes).toBeGreaterThan(2_000_000);
    const sized = countingFs();
    expect(await isManifestComplete(sized.fs, file, recorded(bytes))).toBe(true);
    expect(sized.bytesRead()).toBeLessThanOrEqual(64 * 1024 + 1);
    const { file: other } = await manifest(20_000, 'other.jsonl');
    const counted = countingFs();
    expect(await isManifestComplete(counted.fs, other, recorded(null))).toBe(true);
    expect(counted.bytesRead()).toBeGreaterThanOrEqual(bytes);
  });

  it('trusts the recorded size over the line count (the proof the size replaces)', async () => {
    // A header announcing more entries than there are lines: the count refuses it, the size alone does not.
    const { file } = await manifest(3);
    const text = readFileSync(file, 'utf8').replace('"entries":3', '"entries":4');
    const lying = path.join(dir, 'lying.jsonl');
    writeFileSync(lying, text);
    expect(await isManifestComplete(localFs, lying)).toBe(false);
    const copy = path.join(dir, 'lying-sized.jsonl');
    writeFileSync(copy, text);
    expect(await isManifestComplete(localFs, copy, recorded(Buffer.byteLength(text)))).toBe(true);
  });

  it('falls back to counting when the recorded size differs: complete is complete, cut short is not', async () => {
    const { file, bytes } = await manifest(5);
    expect(await isManifestComplete(localFs, file, recorded(bytes + 1))).toBe(true);
    const text = readFileSync(file, 'utf8');
    const cut = path.join(dir, 'cut.jsonl');
    writeFileSync(cut, `${text.split('\n').slice(0, 4).join('\n')}\n`); // whole lines missing
    expect(await isManifestComplete(localFs, cut, recorded(bytes))).toBe(false);
  });

  it('refuses a file of the recorded size that is not a manifest, or does not end with a newline', async () => {
    const { bytes } = await manifest(2);
    const notManifest = path.join(dir, 'not.jsonl');
    writeFileSync(notManifest, `${'x'.repeat(bytes - 1)}\n`);
    expect(await isManifestComplete(localFs, notManifest, recorded(bytes))).toBe(false);
    const { file } = await manifest(2, 'torn-source.jsonl');
    const torn = path.join(dir, 'torn.jsonl');
    const text = readFileSync(file, 'utf8');
    writeFileSync(torn, `${text.slice(0, -1)} `); // same size, the last newline overwritten
    expect(await isManifestComplete(localFs, torn, recorded(bytes))).toBe(false);
  });

  it('a missing manifest is not complete, and its recorded size is never asked for', async () => {
    let asked = false;
    const missing = path.join(dir, 'missing.jsonl');
    expect(
      await isManifestComplete(localFs, missing, async () => {
        asked = true;
        return 10;
      }),
    ).toBe(false);
    expect(asked).toBe(false);
  });
});
