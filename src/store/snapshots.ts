import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import { exists, readdirOrEmpty } from '../fs/read';
import { UsageError, errnoCode } from '../errors';
import {
  compareSnapshotIds,
  isSnapshotId,
  manifestPath,
  metaDir,
  snapshotDir,
  storeLayout,
  suspectMarkPath,
} from './layout';
import { isManifestComplete } from './manifest-complete';
import { readRunRecord } from './run-record';
import type { SnapshotId } from './types';

export interface SnapshotRef {
  id: SnapshotId;
  /** DEST/snapshots/<id> */
  dir: string;
  /** DEST/meta/<id> */
  metaDir: string;
  manifestPath: string;
}

/**
 * Complete snapshots, oldest first. A snapshot counts only when DEST/snapshots/<id> is a folder AND
 * DEST/meta/<id>/manifest.jsonl is complete (the size its run record gives, or else header count = entry
 * lines: src/store/manifest-complete.ts); partials under in-progress/ are never listed.
 */
export async function listSnapshots(dest: string, fs: FileSystem = localFs): Promise<SnapshotRef[]> {
  const names = (await readdirOrEmpty(fs, storeLayout(dest).snapshotsDir)).filter(isSnapshotId);
  const refs: SnapshotRef[] = [];
  for (const id of names) {
    try {
      const st = await fs.lstat(snapshotDir(dest, id));
      if (!st.isDirectory()) continue;
      if (!(await isManifestComplete(fs, manifestPath(dest, id), () => recordedManifestBytes(fs, dest, id)))) continue;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    refs.push({ id, dir: snapshotDir(dest, id), metaDir: metaDir(dest, id), manifestPath: manifestPath(dest, id) });
  }
  return refs.sort((a, b) => compareSnapshotIds(a.id, b.id));
}

/** The manifest's size its run record gives (null when the record is missing, unreadable or older than the field). */
async function recordedManifestBytes(fs: FileSystem, dest: string, id: SnapshotId): Promise<number | null> {
  try {
    const bytes = (await readRunRecord(dest, id, fs)).manifestBytes;
    return typeof bytes === 'number' && Number.isSafeInteger(bytes) ? bytes : null;
  } catch {
    return null;
  }
}

/** True while DEST/meta/<id>/suspect.json exists: the ransomware guard marked the snapshot (src/store/suspect.ts). */
export async function isMarkedSuspect(fs: FileSystem, dest: string, id: SnapshotId): Promise<boolean> {
  return exists(fs, suspectMarkPath(dest, id));
}

/** Complete snapshots not marked suspect, oldest first: what `latest` and the guard's baseline are chosen from. */
export async function listTrustedSnapshots(dest: string, fs: FileSystem = localFs): Promise<SnapshotRef[]> {
  const trusted: SnapshotRef[] = [];
  for (const ref of await listSnapshots(dest, fs)) if (!(await isMarkedSuspect(fs, dest, ref.id))) trusted.push(ref);
  return trusted;
}

/**
 * `latest` (case-insensitive: the newest snapshot not marked suspect) or an exact id → the snapshot; a
 * UsageError naming the id otherwise.
 */
export async function resolveSnapshotId(
  dest: string,
  idOrLatest: string,
  fs: FileSystem = localFs,
): Promise<SnapshotRef> {
  const all = await listSnapshots(dest, fs);
  if (idOrLatest.toLowerCase() === 'latest') {
    if (all.length === 0) throw new UsageError(`there are no complete snapshots in ${dest}`, 'run a backup first');
    const newest = (await listTrustedSnapshots(dest, fs)).at(-1);
    if (!newest) {
      throw new UsageError(
        `"latest" names no snapshot in ${dest}: every snapshot in it is marked suspect`,
        'give a snapshot id (see "avimark-backup list")',
      );
    }
    return newest;
  }
  const found = all.find((s) => s.id === idOrLatest);
  if (!found) {
    const known = all.length
      ? `known snapshots: ${all
          .map((s) => s.id)
          .slice(-5)
          .join(', ')}${all.length > 5 ? ' …' : ''}`
      : 'there are none yet';
    throw new UsageError(
      `no complete snapshot "${idOrLatest}" in ${dest}`,
      `run "avimark-backup list" to see them (${known})`,
    );
  }
  return found;
}
