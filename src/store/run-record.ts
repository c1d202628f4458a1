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
