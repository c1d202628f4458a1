import type { BigIntStats } from 'node:fs';
import { sharedAttributes } from '../store/manifest';
import type { ManifestEntry } from '../store/types';
import type { DoneRecord } from './plan';

/**
 * Pure: the manifest entries the engine records, built from what the scan and the copy saw, and the
 * counts of what a partial holds.
 */

export function attributesOf(mode: number): ManifestEntry['attributes'] {
  const m = mode & 0o7777;
  return sharedAttributes(m, (m & 0o200) === 0);
}

/**
 * The entry of a file linked unchanged from the previous snapshot: the previous entry itself when nothing
 * differs, else a copy that reuses its strings where equal. A 100,000-file store then holds one entry per
 * unchanged file for both snapshots, not two.
 */
export function linkedEntry(
  from: ManifestEntry,
  rel: string,
  current: { size: number; mtimeNs: string },
  mode: number,
): ManifestEntry {
  const attributes = attributesOf(mode);
  // Nothing differs (the usual case): the previous entry itself (entries are never modified).
  if (
    from.path === rel &&
    from.size === current.size &&
    from.mtimeNs === current.mtimeNs &&
    from.attributes === attributes
  )
    return from;
  return {
    ...from,
    path: from.path === rel ? from.path : rel,
    size: current.size,
    mtimeNs: from.mtimeNs === current.mtimeNs ? from.mtimeNs : current.mtimeNs,
    attributes,
  };
}

export function dirEntry(rel: string, stat: Pick<BigIntStats, 'mtimeNs' | 'mode'>): ManifestEntry {
  return {
    path: rel,
    type: 'dir',
    size: 0,
    mtimeNs: stat.mtimeNs.toString(),
    sha256: null,
    attributes: attributesOf(Number(stat.mode)),
  };
}

export function symlinkEntry(rel: string, stat: Pick<BigIntStats, 'mtimeNs' | 'mode'>, target: string): ManifestEntry {
  return { ...dirEntry(rel, stat), type: 'symlink', linkTarget: target };
}

export function copiedEntry(
  rel: string,
  saved: { size: number; mtimeNs: string; sha256: string; mode: number },
): ManifestEntry {
  return {
    path: rel,
    type: 'file',
    size: saved.size,
    mtimeNs: saved.mtimeNs,
    sha256: saved.sha256,
    attributes: attributesOf(saved.mode),
  };
}

/** A folder's entry must be recorded again when it is new or its time or mode changed. */
export function dirChanged(done: DoneRecord | undefined, entry: ManifestEntry): boolean {
  return !done || done.entry.mtimeNs !== entry.mtimeNs || done.entry.attributes.mode !== entry.attributes.mode;
}

export interface Tally {
  filesTotal: number;
  bytesTotal: number;
  filesLinked: number;
  filesCopied: number;
}

/** Adds one finished path to `t`. */
export function countInto(t: Tally, d: DoneRecord): void {
  if (d.entry.type !== 'file') return;
  t.filesTotal += 1;
  t.bytesTotal += d.entry.size;
  if (d.how === 'link') t.filesLinked += 1;
  else t.filesCopied += 1;
}

/** Counts of what a partial holds, from its checkpoint's finished paths. */
export function tally(done: Iterable<DoneRecord>): Tally {
  const t: Tally = { filesTotal: 0, bytesTotal: 0, filesLinked: 0, filesCopied: 0 };
  for (const d of done) countInto(t, d);
  return t;
}
