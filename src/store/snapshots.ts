import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import { readdirOrEmpty } from '../fs/read';
import { UsageError, errnoCode } from '../errors';
import { compareSnapshotIds, isSnapshotId, manifestPath, metaDir, snapshotDir, storeLayout } from './layout';
import { isManifestComplete } from './manifest';
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
 * DEST/meta/<id>/manifest.jsonl is complete (header count = entry lines); partials under in-progress/
 * are never listed.
 */
export async function listSnapshots(dest: string, fs: FileSystem = localFs): Promise<SnapshotRef[]> {
  const names = (await readdirOrEmpty(fs, storeLayout(dest).snapshotsDir)).filter(isSnapshotId);
  const refs: SnapshotRef[] = [];
  for (const id of names) {
    try {
      const st = await fs.lstat(snapshotDir(dest, id));
      if (!st.isDirectory()) continue;
      if (!(await isManifestComplete(fs, manifestPath(dest, id)))) continue;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    refs.push({ id, dir: snapshotDir(dest, id), metaDir: metaDir(dest, id), manifestPath: manifestPath(dest, id) });
  }
  return refs.sort((a, b) => compareSnapshotIds(a.id, b.id));
}

/** `latest` (case-insensitive) or an exact id → the snapshot; a UsageError naming the id otherwise. */
export async function resolveSnapshotId(
  dest: string,
  idOrLatest: string,
  fs: FileSystem = localFs,
): Promise<SnapshotRef> {
  const all = await listSnapshots(dest, fs);
  if (idOrLatest.toLowerCase() === 'latest') {
    const newest = all.at(-1);
    if (!newest) throw new UsageError(`there are no complete snapshots in ${dest}`, 'run a backup first');
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
