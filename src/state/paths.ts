import path from 'node:path';

/**
 * The state folder (`stateDir`, default `%ProgramData%\avimark-backup`): what lives there, in one place.
 *   lockout-journal.json       the lockout in progress (src/lockout/journal.ts)
 *   lockout-journal.last.json  the last lockout, fully given back (what `status` shows)
 *   run.lock                   held by the run that may lock AVImark out (src/state/run-lock.ts)
 *   last-run.json              what `status` shows about the last run (src/state/last-run.ts)
 *   logs/                      the per-run log files (the default of `logging.dir`)
 */
export const JOURNAL_FILE = 'lockout-journal.json';
export const LAST_JOURNAL_FILE = 'lockout-journal.last.json';
export const RUN_LOCK_FILE = 'run.lock';
export const LAST_RUN_FILE = 'last-run.json';

export function journalPath(stateDir: string): string {
  return path.join(stateDir, JOURNAL_FILE);
}

export function lastJournalPath(stateDir: string): string {
  return path.join(stateDir, LAST_JOURNAL_FILE);
}

export function runLockPath(stateDir: string): string {
  return path.join(stateDir, RUN_LOCK_FILE);
}

export function lastRunPath(stateDir: string): string {
  return path.join(stateDir, LAST_RUN_FILE);
}
