import { describe, expect, it } from 'vitest';
import { attributesOf, dirChanged, dirEntry, linkedEntry, symlinkEntry, tally } from '../../../src/engine/entries';
import type { ManifestEntry } from '../../../src/store/types';

const file = (over: Partial<ManifestEntry> = {}): ManifestEntry => ({
  path: 'a/CLIENT.V2$',
  type: 'file',
  size: 100,
  mtimeNs: '1700000000123456789',
  sha256: 'aa',
  attributes: attributesOf(0o444),
  ...over,
});

describe('manifest entries', () => {
  it('reuses the previous entry itself for a file linked unchanged, and its strings when something differs', () => {
    const from = file();
    expect(linkedEntry(from, 'a/CLIENT.V2$', { size: 100, mtimeNs: from.mtimeNs }, 0o444)).toBe(from);
    const moved = linkedEntry(from, 'a/CLIENT.V2$', { size: 100, mtimeNs: from.mtimeNs }, 0o644);
    expect(moved).not.toBe(from);
    expect(moved).toEqual({ ...from, attributes: { mode: 0o644, readonly: false } });
    expect(moved.path).toBe(from.path);
    expect(linkedEntry(from, 'b', { size: 7, mtimeNs: '1' }, 0o444)).toMatchObject({
      path: 'b',
      size: 7,
      mtimeNs: '1',
    });
  });
  it('shares one attributes object per mode and read-only pair', () => {
    expect(attributesOf(0o100444)).toBe(attributesOf(0o444));
    expect(attributesOf(0o444)).toEqual({ mode: 0o444, readonly: true });
  });
  it('builds folder and link entries from the scan stat, and re-records a folder only when it changed', () => {
    const stat = { mtimeNs: 5n, mode: 0o40755n };
    const d = dirEntry('x', stat);
    expect(d).toEqual({ path: 'x', type: 'dir', size: 0, mtimeNs: '5', sha256: null, attributes: attributesOf(0o755) });
    expect(symlinkEntry('l', stat, '../t')).toMatchObject({ path: 'l', type: 'symlink', linkTarget: '../t' });
    expect(dirChanged(undefined, d)).toBe(true);
    expect(dirChanged({ how: 'dir', entry: d }, d)).toBe(false);
    expect(dirChanged({ how: 'dir', entry: { ...d, mtimeNs: '6' } }, d)).toBe(true);
  });
  it('counts the files of a partial, linked and copied', () => {
    expect(
      tally([
        { how: 'copy', entry: file({ size: 10 }) },
        { how: 'link', entry: file({ size: 5 }) },
        { how: 'dir', entry: file({ type: 'dir', size: 0 }) },
      ]),
    ).toEqual({ filesTotal: 2, bytesTotal: 15, filesLinked: 1, filesCopied: 1 });
  });
});
