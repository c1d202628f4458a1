import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import { writeFileAtomic } from '../fs/durable';
import { runRecordPath } from './layout';
import type { RunRecord, SnapshotId } from './types';

/** Writes DEST/meta/<id>/run.json atomically (temp file, fsync, rename, fsync folder). */
export async function writeRunRecord(dest: string, record: RunRecord, fs: FileSystem = localFs): Promise<void> {
  await writeFileAtomic(fs, runRecordPath(dest, record.snapshotId), `${JSON.stringify(record, null, 2)}\n`);
}

export async function readRunRecord(dest: string, id: SnapshotId, fs: FileSystem = localFs): Promise<RunRecord> {
  return JSON.parse(await fs.readFile(runRecordPath(dest, id), 'utf8')) as RunRecord;
}

/**
 * The snapshot's size as its run record gives it, for a progress line's percentage and ETA; null when the
 * record is missing or unreadable (the progress line then shows no total).
 */
export async function snapshotBytesTotal(
  dest: string,
  id: SnapshotId,
  fs: FileSystem = localFs,
): Promise<number | null> {
  try {
    const bytes = (await readRunRecord(dest, id, fs)).bytesTotal;
    return Number.isFinite(bytes) && bytes >= 0 ? bytes : null;
  } catch {
    return null;
  }
}
