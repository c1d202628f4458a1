import { ExitCode } from '../errors';

/**
 * What the alerts (Event Log, e-mail) know about one finished run: the CLI command, how it ended,
 * and the JSON summary the command printed under --json. Built by the command at the end of a run.
 */
export type RunOutcomeKind =
  /** Exit 0. */
  | 'success'
  /** Exit 0 with warnings in the summary. */
  | 'warning'
  /** Exit 1 (or 2 for a bad configuration found at run time): the run failed, earlier snapshots untouched. */
  | 'failure'
  /** Exit 3: verification found missing, extra or damaged files. */
  | 'damage'
  /** Exit 4: AVImark could not be fully given back. */
  | 'lockoutNotUndone'
  /** Exit 0: the local backup is good, but the offsite copy failed or is older than offsite.maxAgeDays. */
  | 'offsiteFailed'
  /** Exit 5: the snapshot looked like ransomware at work: kept, marked suspect, pruning held. */
  | 'suspect';

export interface RunAlert {
  /** The CLI command: 'backup', 'recover', 'restore', 'drill', 'verify', … */
  command: string;
  outcome: RunOutcomeKind;
  exitCode: number;
  startedAt: Date;
  finishedAt: Date;
  computerName: string;
  /** The error message (failures) or a one-line result (successes). */
  message: string;
  hint?: string;
  /** What is still locked (lockoutNotUndone), in words an administrator can act on. */
  stillLocked?: string[];
  /** The command's JSON summary (what `--json` prints), or null when the run failed before having one. */
  summary: unknown;
  /** The run's log file, if any, so the alert can point at it. */
  logFile?: string | null;
  /** The store's one-sentence status after the run (src/report/status-sentence.ts), when it could be read. */
  statusSentence?: string | null;
}

/** The outcome kind for an exit code (and warnings, for exit 0). */
export function outcomeFor(exitCode: number, warningCount = 0): RunOutcomeKind {
  if (exitCode === ExitCode.Success) return warningCount > 0 ? 'warning' : 'success';
  if (exitCode === ExitCode.Damage) return 'damage';
  if (exitCode === ExitCode.LockoutNotUndone) return 'lockoutNotUndone';
  if (exitCode === ExitCode.Suspect) return 'suspect';
  return 'failure';
}

export function isProblem(outcome: RunOutcomeKind): boolean {
  return (
    outcome === 'failure' ||
    outcome === 'damage' ||
    outcome === 'lockoutNotUndone' ||
    outcome === 'offsiteFailed' ||
    outcome === 'suspect'
  );
}
