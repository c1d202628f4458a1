import { mkdir, stat } from 'node:fs/promises';
import type { Settings } from '../config/load';
import { errorMessage } from '../errors';
import { writeFileAtomic } from '../fs/durable';
import { localFs } from '../fs/local';
import type { Logger } from '../log/logger';
import { type LastRun, runRecordOfLastRun } from '../state/last-run';
import { metaDir, newSnapshotId, runRecordPath, snapshotDir } from '../store/layout';
import { readRunRecord, writeRunRecord } from '../store/run-record';
import type { RunRecord } from '../store/types';

/**
 * A failed or interrupted run that had opened a snapshot leaves DEST/meta/<ID>/run.json (no manifest,
 * so it is never listed as a snapshot) for the history and the report. A run that resumes the partial
 * later commits the same id and replaces this record with its own.
 */
export async function writeFailedRunRecord(settings: Settings, last: LastRun): Promise<boolean> {
  if (!last.snapshotId || last.result === 'success') return false;
  if (await pathExists(snapshotDir(settings.destination, last.snapshotId))) return false;
  const known = runRecordOfLastRun(last, settings.source);
  const record: RunRecord = { ...known, snapshotId: last.snapshotId, mode: known.mode ?? 'offline' };
  await mkdir(metaDir(settings.destination, last.snapshotId), { recursive: true });
  await writeRunRecord(settings.destination, record);
  return true;
}

/** The failed run's record of a partial that is being resumed (the commit replaces meta/<ID>). */
export async function readFailedRunRecord(dest: string, id: string): Promise<RunRecord | null> {
  try {
    const record = await readRunRecord(dest, id);
    return record.result !== 'success' ? record : null;
  } catch {
    return null;
  }
}

/**
 * Commit replaced the failed run's record with the snapshot's own; keep the failure in the history under
 * the next free id (meta/<ID>_2/run.json, its snapshotId still naming the snapshot it was building).
 * A taken id is skipped by later snapshots, and prune removes the record like any other failed run's.
 */
export async function keepEarlierFailure(dest: string, record: RunRecord, log: Logger): Promise<void> {
  try {
    const id = await newSnapshotId(localFs, dest, new Date(record.startedAt), record.snapshotId);
    await mkdir(metaDir(dest, id), { recursive: true });
    await writeFileAtomic(localFs, runRecordPath(dest, id), `${JSON.stringify(record, null, 2)}\n`);
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'could not keep the record of the interrupted run that this run resumed');
  }
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
