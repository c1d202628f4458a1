import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../errors';
import { compareSnapshotIds } from '../store/layout';
import { listSnapshots } from '../store/snapshots';
import type { DrillRecord, RunRecord, VerifyRecord } from '../store/types';
import { type LastRun, readLastRun, runRecordOfLastRun } from '../state/last-run';
import type { HistoryRun, SnapshotHistory, StoreHistory } from './model';
import { drillText, verifyText } from './history-text';
import { statusSentence } from './status-sentence';

export { drillText, verifyText };

/**
 * Reads what the store remembers: the run, verify and drill records under DEST/meta/<ID>/.
 * Records that are missing or unreadable count as "not known", never as a failure of the reader:
 * a report must still render when one record file was damaged.
 */

export interface HistoryOptions {
  /** The state folder: its last-run.json tells about a last run that failed (and so left no run record). */
  stateDir?: string | null;
}

export async function loadHistory(dest: string, options: HistoryOptions = {}): Promise<StoreHistory> {
  const snapshotIds = (await listSnapshots(dest)).map((s) => s.id);
  const metaIds = await readDirNames(path.join(dest, 'meta'));
  const snapshots: SnapshotHistory[] = [];
  const runs: HistoryRun[] = [];
  const complete = new Set(snapshotIds);
  for (const id of metaIds.sort(compareSnapshotIds)) {
    const run = await readRecord<RunRecord>(path.join(dest, 'meta', id, 'run.json'), isRunRecord);
    if (run) runs.push(run);
    if (complete.has(id)) {
      snapshots.push({
        id,
        run,
        verify: await readRecord<VerifyRecord>(path.join(dest, 'meta', id, 'verify.json'), isVerifyRecord),
        drill: await readRecord<DrillRecord>(path.join(dest, 'meta', id, 'drill.json'), isDrillRecord),
      });
    }
  }
  if (options.stateDir) {
    const failed = failedRunFromLastRun(await readLastRun(options.stateDir).catch(() => null));
    if (failed && !runs.some((r) => r.startedAt === failed.startedAt)) runs.push(failed);
  }
  runs.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  return { snapshots, runs };
}

/** A failed or interrupted backup recorded only in last-run.json, as a history run (null otherwise). */
export function failedRunFromLastRun(last: LastRun | null): HistoryRun | null {
  if (last?.command !== 'backup' || last.result === 'success') return null;
  if (Number.isNaN(Date.parse(last.startedAt))) return null;
  return runRecordOfLastRun(last, '');
}

/** The status sentence for the store at `dest` (for e-mail alerts and `status`). */
export async function loadStatusSentence(
  dest: string,
  stateDir: string | null,
  now: Date = new Date(),
): Promise<string> {
  return statusSentence(await loadHistory(dest, { stateDir }), { now });
}

async function readDirNames(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}

async function readRecord<T>(file: string, guard: (v: unknown) => v is T): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
  try {
    const value: unknown = JSON.parse(text);
    return guard(value) ? value : null;
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

export function isRunRecord(v: unknown): v is RunRecord {
  return (
    isObject(v) &&
    typeof v.snapshotId === 'string' &&
    (v.result === 'success' || v.result === 'failed' || v.result === 'interrupted') &&
    typeof v.startedAt === 'string' &&
    !Number.isNaN(Date.parse(v.startedAt)) &&
    typeof v.durationSeconds === 'number' &&
    typeof v.bytesTotal === 'number' &&
    typeof v.bytesCopied === 'number' &&
    (v.offlineSeconds === null || typeof v.offlineSeconds === 'number') &&
    isStringArray(v.errors) &&
    isStringArray(v.warnings)
  );
}

export function isVerifyRecord(v: unknown): v is VerifyRecord {
  return (
    isObject(v) &&
    typeof v.snapshotId === 'string' &&
    typeof v.verifiedAt === 'string' &&
    typeof v.ok === 'boolean' &&
    typeof v.samplePercent === 'number' &&
    isStringArray(v.missing) &&
    isStringArray(v.extra) &&
    isStringArray(v.damaged)
  );
}

export function isDrillRecord(v: unknown): v is DrillRecord {
  return (
    isObject(v) &&
    typeof v.snapshotId === 'string' &&
    typeof v.drilledAt === 'string' &&
    typeof v.ok === 'boolean' &&
    isStringArray(v.problems)
  );
}
