import { type ExitCodeValue, ExitCode, InterruptedError, errorMessage, exitCodeOf, findCause } from '../errors';
import { writeFileAtomic } from '../fs/durable';
import { localFs } from '../fs/local';
import { readFileIfExists } from '../fs/read';
import type { RunRecord } from '../store/types';
import { lastRunPath } from './paths';

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

export async function writeLastRun(stateDir: string, run: LastRun): Promise<void> {
  await writeFileAtomic(localFs, lastRunPath(stateDir), `${JSON.stringify(run, null, 2)}\n`, { createDir: true });
}

export async function readLastRun(stateDir: string): Promise<LastRun | null> {
  const text = await readFileIfExists(localFs, lastRunPath(stateDir));
  if (text === null) return null;
  try {
    return JSON.parse(text) as LastRun;
  } catch {
    return null;
  }
}

/** A run in progress, as last-run.json will record it (failed until it is marked otherwise). */
export type RunInProgress = Omit<LastRun, 'endedAt'>;

/** The record of a run that has just started: 'failed' (exit 1) until `succeeded` or `failedWith` says otherwise. */
export function startedRun(
  command: LastRun['command'],
  startedAt: Date,
  known: Partial<Pick<LastRun, 'mode' | 'snapshotId'>> = {},
): RunInProgress {
  return {
    command,
    result: 'failed',
    exitCode: ExitCode.RunFailed,
    startedAt: startedAt.toISOString(),
    mode: known.mode ?? null,
    snapshotId: known.snapshotId ?? null,
    offlineSeconds: null,
    message: '',
    warnings: [],
  };
}

export function succeeded(run: RunInProgress, message: string): RunInProgress {
  return { ...run, result: 'success', exitCode: ExitCode.Success, message };
}

/** How `err` ends the run: 'interrupted' when it was stopped (InterruptedError), else 'failed'; its exit code. */
export function failedWith(run: RunInProgress, err: unknown): RunInProgress {
  const exitCode: ExitCodeValue = exitCodeOf(err);
  const interrupted = findCause(err, InterruptedError) !== undefined;
  return { ...run, result: interrupted ? 'interrupted' : 'failed', exitCode, message: errorMessage(err) };
}
