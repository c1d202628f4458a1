import path from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../lockout/atomic-file';
import type { RunRecord } from '../store/types';

/** What `status` shows about the last run, kept in <stateDir>/last-run.json (written at the end of every run). */
export interface LastRun {
  command: 'backup' | 'restore-to-live' | 'recover';
  result: 'success' | 'failed' | 'interrupted';
  exitCode: number;
  startedAt: string;
  endedAt: string;
  mode: string | null;
  snapshotId: string | null;
  offlineSeconds: number | null;
  message: string;
  warnings: string[];
}

const RUN_MODES: ReadonlyArray<RunRecord['mode']> = ['no-lockout', 'offline', 'presync', 'vss'];

/**
 * A run known only from last-run.json, as a run record: its counts are unknown (0) and its mode is null
 * when it never got that far. Used for failed runs' records in the store and in the history.
 */
export function runRecordOfLastRun(
  last: LastRun,
  source: string,
): Omit<RunRecord, 'mode'> & { mode: RunRecord['mode'] | null } {
  const started = Date.parse(last.startedAt);
  const ended = Date.parse(last.endedAt);
  return {
    snapshotId: last.snapshotId ?? '',
    result: last.result,
    startedAt: last.startedAt,
    endedAt: last.endedAt,
    durationSeconds: Number.isNaN(started) || Number.isNaN(ended) ? 0 : Math.max(0, (ended - started) / 1000),
    mode: RUN_MODES.find((m) => m === last.mode) ?? null,
    source,
    filesTotal: 0,
    filesCopied: 0,
    filesLinked: 0,
    bytesTotal: 0,
    bytesCopied: 0,
    offlineSeconds: last.offlineSeconds,
    lockoutSteps: [],
    resumed: false,
    warnings: last.warnings ?? [],
    errors: last.message ? [last.message] : [],
  };
}

export const LAST_RUN_FILE = 'last-run.json';

export async function writeLastRun(stateDir: string, run: LastRun): Promise<void> {
  await writeFileAtomic(path.join(stateDir, LAST_RUN_FILE), `${JSON.stringify(run, null, 2)}\n`);
}

export async function readLastRun(stateDir: string): Promise<LastRun | null> {
  const text = await readFileIfExists(path.join(stateDir, LAST_RUN_FILE));
  if (text === null) return null;
  try {
    return JSON.parse(text) as LastRun;
  } catch {
    return null;
  }
}
