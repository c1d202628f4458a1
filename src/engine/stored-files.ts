import { errnoCode } from '../errors';
import { joinRelative } from '../fs/join-relative';
import type { FileSystem } from '../fs/types';
import { storedFileKey } from '../store/damage-registry';
import { openManifest } from '../store/manifest';
import type { SnapshotRef } from '../store/snapshots';
import type { ManifestEntry } from '../store/types';

/**
 * Every file of the given snapshots with its stored identity (bigint lstat dev:ino): what the rolling
 * scrub plans over and where `verify --repair` finds the links of a damaged file and intact copies.
 * A file missing from its snapshot is left out (verification reports it).
 */
export interface StoredEntry {
  snapshotId: string;
  path: string;
  key: string;
  sha256: string;
  size: number;
  /** The manifest's modification time (nanoseconds, decimal) and mode: what a healed copy gets back. */
  mtimeNs: string;
  mode: number;
}

export function storedPath(snapshot: Pick<SnapshotRef, 'dir'>, rel: string): string {
  return joinRelative(snapshot.dir, rel);
}

export async function listStoredFiles(fs: FileSystem, snapshots: readonly SnapshotRef[]): Promise<StoredEntry[]> {
  const files: StoredEntry[] = [];
  for (const snapshot of snapshots) {
    const { entries } = await openManifest(fs, snapshot.manifestPath);
    for await (const entry of entries) {
      if (entry.type !== 'file' || entry.sha256 === null) continue;
      const st = await fs.lstat(storedPath(snapshot, entry.path), { bigint: true }).catch((err: unknown) => {
        if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null;
        throw err;
      });
      if (st === null || !st.isFile()) continue;
      files.push(storedEntry(snapshot.id, entry, entry.sha256, storedFileKey(st)));
    }
  }
  return files;
}

function storedEntry(snapshotId: string, entry: ManifestEntry, sha256: string, key: string): StoredEntry {
  return {
    snapshotId,
    path: entry.path,
    key,
    sha256,
    size: entry.size,
    mtimeNs: entry.mtimeNs,
    mode: entry.attributes.mode,
  };
}
