import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkedEntry } from '../../../src/engine/entries';
import { type LookupOwner, PreviousLookup } from '../../../src/engine/previous';
import { localFs } from '../../../src/fs/local';
import { writeManifest } from '../../../src/store/manifest';
import type { ManifestEntry } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';
import { fileEntry } from '../../helpers/entries';
import { countingOpens } from '../../helpers/fs';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-previous-')));
afterEach(async () => cleanup());

const file = (p: string): ManifestEntry => fileEntry(p);

/** A manifest of `paths` (in path order), and a partial double that counts open handles. */
async function setUp(paths: string[]) {
  const manifest = path.join(dir, 'manifest.jsonl');
  const header = { format: 'avimark-backup-manifest' as const, version: 1 as const, source: '/s', createdAt: 'x' };
  await writeManifest(localFs, manifest, { ...header, snapshotId: 'prev' }, paths.map(file), paths.length);
  const { fs, openFiles } = countingOpens();
  const warnings: string[] = [];
  const owner: LookupOwner = { fs, previousId: null, warnOnce: (_key, message) => warnings.push(message) };
  return { manifest, owner, warnings, openHandles: openFiles };
}

describe('PreviousLookup', () => {
  it('without a previous snapshot every lookup is "none"', async () => {
    const { owner } = await setUp([]);
    const lookup = await PreviousLookup.open(owner, null);
    expect(await lookup.get('a')).toBeUndefined();
    expect(owner.previousId).toBeNull();
  });

  it('answers lookups in scan order and sets the snapshot files are linked from', async () => {
    const { manifest, owner, openHandles } = await setUp(['a', 'b', 'c']);
    const lookup = await PreviousLookup.open(owner, { id: 'prev', manifest });
    expect(owner.previousId).toBe('prev');
    const a = await lookup.get('a');
    expect(a?.path).toBe('a');
    // The engine's own attributes object: linkedEntry then keeps the previous entry itself (no copy per file).
    expect(a && linkedEntry(a, 'a', { size: a.size, mtimeNs: a.mtimeNs }, 0o100444)).toBe(a);
    expect(await lookup.get('b-new')).toBeUndefined();
    expect((await lookup.get('c'))?.path).toBe('c');
    await lookup.close();
    expect(openHandles()).toBe(0);
  });

  it('a manifest cut short gives no entries, no previous snapshot, and one warning', async () => {
    const { manifest, owner, warnings } = await setUp(['a', 'b']);
    const text = await readFile(manifest, 'utf8');
    await writeFile(manifest, `${text.split('\n').slice(0, 2).join('\n')}\n`);
    const lookup = await PreviousLookup.open(owner, { id: 'prev', manifest });
    expect(await lookup.get('a')).toBeUndefined();
    expect(owner.previousId).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/manifest of snapshot prev is damaged .*every file is copied/)]);
  });

  it('a line damaged part way: the entries before it, then none, with a warning and the file closed', async () => {
    const { manifest, owner, warnings, openHandles } = await setUp(['a', 'b', 'c', 'd']);
    const lines = (await readFile(manifest, 'utf8')).split('\n');
    lines[3] = '{"path": damaged';
    await writeFile(manifest, lines.join('\n'));
    const lookup = await PreviousLookup.open(owner, { id: 'prev', manifest });
    expect((await lookup.get('a'))?.path).toBe('a');
    expect((await lookup.get('b'))?.path).toBe('b');
    expect(await lookup.get('c')).toBeUndefined();
    expect(await lookup.get('d')).toBeUndefined(); // a good line after the damage is not trusted either
    expect(warnings).toEqual([expect.stringMatching(/line 4 .*; the files from "c" on are copied/)]);
    expect(openHandles()).toBe(0);
  });

  it('an error other than damage (the disk) is thrown, not taken for damage', async () => {
    const { manifest, owner } = await setUp(['a']);
    const failing: LookupOwner = {
      ...owner,
      fs: { ...owner.fs, open: async () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })) },
    };
    await expect(PreviousLookup.open(failing, { id: 'prev', manifest })).rejects.toMatchObject({ code: 'EIO' });
  });
});
