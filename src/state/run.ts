import { errorMessage } from '../errors';
import type { Logger } from '../log/logger';
import { type LastRun, type RunInProgress, failedWith, startedRun, succeeded, writeLastRun } from './last-run';
import { holdRunLock } from './run-lock';

export interface RecordedRunOptions<T> {
  stateDir: string;
  log: Logger;
  command: LastRun['command'];
  /** What the run lock says the holder is doing ('backup', 'restore --to-live'). */
  purpose: string;
  now: () => Date;
  startedAt?: Date;
  known?: Partial<Pick<LastRun, 'mode' | 'snapshotId'>>;
  /** last-run.json's message for a run that succeeded. */
  successMessage: (result: T) => string;
  /** Runs after last-run.json is written, still under the run lock (backup: the failed run's record in the store). */
  finished?: (run: LastRun) => Promise<void>;
}

/** Lets the work add what it learns to the record (mode, snapshot id, offline seconds) as it goes. */
export type NoteRun = (update: Partial<RunInProgress>) => void;

/**
 * One run that may lock AVImark out, under the run lock, recorded in last-run.json however it ends
 * ('success', 'failed' or 'interrupted', with its exit code and message).
 */
export async function recordedRun<T>(options: RecordedRunOptions<T>, work: (note: NoteRun) => Promise<T>): Promise<T> {
  const startedAt = options.startedAt ?? options.now();
  const runLock = await holdRunLock(options.stateDir, options.purpose, options.log);
  let run = startedRun(options.command, startedAt, options.known);
  try {
    const result = await work((update) => {
      run = { ...run, ...update };
    });
    run = succeeded(run, options.successMessage(result));
    return result;
  } catch (err) {
    run = failedWith(run, err);
    throw err;
  } finally {
    const last: LastRun = { ...run, endedAt: options.now().toISOString() };
    await writeLastRun(options.stateDir, last).catch((err: unknown) =>
      options.log.warn({ err: errorMessage(err) }, 'could not write last-run.json'),
    );
    try {
      await options.finished?.(last);
    } finally {
      await runLock.release();
    }
  }
}
