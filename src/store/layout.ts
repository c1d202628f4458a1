import path from 'node:path';
import type { FileSystem } from '../fs/types';
import { exists } from '../fs/read';
import type { SnapshotId } from './types';

/** Paths of the store layout documented at the top of ./types.ts. */
export interface StoreLayout {
  dest: string;
  snapshotsDir: string;
  metaRoot: string;
  inProgressDir: string;
  latestLink: string;
  storeFile: string;
  lockFile: string;
}

export function storeLayout(dest: string): StoreLayout {
  return {
    dest,
    snapshotsDir: path.join(dest, 'snapshots'),
    metaRoot: path.join(dest, 'meta'),
    inProgressDir: path.join(dest, 'in-progress'),
    latestLink: path.join(dest, 'latest'),
    storeFile: path.join(dest, 'store.json'),
    lockFile: path.join(dest, 'lock'),
  };
}

export const snapshotDir = (dest: string, id: SnapshotId) => path.join(dest, 'snapshots', id);
export const metaDir = (dest: string, id: SnapshotId) => path.join(dest, 'meta', id);
export const manifestPath = (dest: string, id: SnapshotId) => path.join(metaDir(dest, id), 'manifest.jsonl');
export const runRecordPath = (dest: string, id: SnapshotId) => path.join(metaDir(dest, id), 'run.json');
/** Present while the snapshot is marked suspect (possible ransomware; src/store/suspect.ts). */
export const suspectMarkPath = (dest: string, id: SnapshotId) => path.join(metaDir(dest, id), 'suspect.json');
/** Written by `accept`: who trusted a suspect snapshot, when, and what it had been suspected of. */
export const acceptedMarkPath = (dest: string, id: SnapshotId) => path.join(metaDir(dest, id), 'accepted.json');
export const partialDir = (dest: string, id: SnapshotId) => path.join(dest, 'in-progress', id);
export const partialStateDir = (dest: string, id: SnapshotId) => path.join(dest, 'in-progress', `${id}.state`);

export const STORE_FORMAT = { format: 'avimark-backup-store', version: 1 } as const;

const ID_PATTERN = /^(\d{4}-\d{2}-\d{2}_\d{6})(?:_(\d+))?$/;

export function isSnapshotId(name: string): boolean {
  return ID_PATTERN.test(name);
}

/** `YYYY-MM-DD_HHMMSS` in LOCAL time (what the admin sees on the server clock). */
export function formatSnapshotId(date: Date): SnapshotId {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${p(date.getFullYear(), 4)}-${p(date.getMonth() + 1)}-${p(date.getDate())}_` +
    `${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`
  );
}

/** Chronological order: by timestamp, then collision suffix numerically (…_2 before …_10). */
export function compareSnapshotIds(a: SnapshotId, b: SnapshotId): number {
  const ma = ID_PATTERN.exec(a);
  const mb = ID_PATTERN.exec(b);
  if (!ma || !mb) return a < b ? -1 : a > b ? 1 : 0;
  if (ma[1] !== mb[1]) return ma[1] < mb[1] ? -1 : 1;
  return Number(ma[2] ?? 1) - Number(mb[2] ?? 1);
}

/**
 * A fresh id for a snapshot started at `now`: the timestamp, or `<timestamp>_2`, `_3` … when that name is
 * already used by a snapshot, its metadata or a partial. `notBefore` (the newest existing id) keeps ids
 * increasing even if the clock stepped back, so `latest` stays the newest.
 */
export async function newSnapshotId(
  fs: FileSystem,
  dest: string,
  now: Date,
  notBefore?: SnapshotId,
): Promise<SnapshotId> {
  let base = formatSnapshotId(now);
  let suffix = 1;
  if (notBefore && compareSnapshotIds(base, notBefore) <= 0) {
    const m = ID_PATTERN.exec(notBefore);
    if (m) {
      base = m[1];
      suffix = Number(m[2] ?? 1) + 1;
    }
  }
  for (;;) {
    const id = suffix === 1 ? base : `${base}_${suffix}`;
    const taken =
      (await exists(fs, snapshotDir(dest, id))) ||
      (await exists(fs, metaDir(dest, id))) ||
      (await exists(fs, partialDir(dest, id)));
    if (!taken) return id;
    suffix += 1;
  }
}

/**
 * Points DEST/latest at snapshots/<id>: a relative symlink on POSIX, a junction on Windows (junctions need
 * absolute targets and no privilege). Made under a temporary name and renamed over the old link, so a
 * reader sees either the old or the new target, never nothing.
 */
export async function updateLatest(fs: FileSystem, dest: string, id: SnapshotId): Promise<void> {
  const link = storeLayout(dest).latestLink;
  const tmp = `${link}.tmp-${process.pid}`;
  await fs.rm(tmp, { force: true, recursive: false }).catch(() => undefined);
  if (process.platform === 'win32') {
    await fs.symlink(snapshotDir(dest, id), tmp, 'junction');
    try {
      await fs.rename(tmp, link);
    } catch {
      // Renaming a junction over an existing junction is refused on some Windows versions: swap in two steps.
      await fs.rmdir(link).catch(() => undefined);
      await fs.rename(tmp, link);
    }
  } else {
    await fs.symlink(path.join('snapshots', id), tmp);
    await fs.rename(tmp, link);
  }
}
