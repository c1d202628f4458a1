import { ExitCode, type ExitCodeValue, LockoutNotUndoneError, describeError, errorMessage } from '../errors';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import type { EmailDeps } from './email';
import { loadStatusSentence } from './history';
import { type AlertSettings, computerName, notifyRunFinished, notifyRunStarted } from './notify';
import { type RunAlert, outcomeFor } from './run-alert';

/**
 * Runs one command between the start alert (event 1000) and the finish alert (event by outcome,
 * e-mail on problems). The alerts never throw and never change what the run returns or throws.
 */
export interface RunAlertContext {
  settings: AlertSettings;
  /** The CLI command as the alert names it: 'backup', 'recover', 'restore --to-live', 'drill'. */
  command: string;
  /** Where Event Log entries go; null = e-mail only. */
  host: WindowsHost | null;
  log: Logger;
  /** For the status sentence in the alert; null = no sentence. */
  store: { destination: string; stateDir: string | null } | null;
  /** One line for the start event (e.g. the snapshot being drilled). */
  detail?: string;
  logFile?: string | null;
  emailDeps?: EmailDeps;
  now?: () => Date;
}

/** How a command that returned ended (the CLI's CommandOutcome has this shape). */
export interface FinishedRun {
  exitCode: ExitCodeValue;
  /** What it printed; the first line is the alert's message. */
  text: string;
  /** What it printed under --json; its `warnings` are the alert's. */
  json: unknown;
}

export async function withRunAlerts<T extends FinishedRun>(
  context: RunAlertContext,
  run: () => Promise<T>,
): Promise<T> {
  const now = context.now ?? (() => new Date());
  const startedAt = now();
  await guarded(context.log, () =>
    notifyRunStarted(context.settings, context.command, context.host, context.log, context.detail ?? ''),
  );
  let outcome: T;
  try {
    outcome = await run();
  } catch (err) {
    await finish(context, alertForError(context.command, err, startedAt, now()));
    throw err;
  }
  await finish(context, alertForOutcome(context.command, outcome, startedAt, now()));
  return outcome;
}

/** The alert for a command that returned (exit 0 or 3, as it decided). */
export function alertForOutcome(command: string, outcome: FinishedRun, startedAt: Date, finishedAt: Date): RunAlert {
  const warnings = warningsOf(outcome.json);
  const firstLine = outcome.text.split('\n').find((l) => l.trim().length > 0) ?? '';
  const offsiteFailed = outcome.exitCode === ExitCode.Success && offsiteProblem(outcome.json);
  return {
    command,
    outcome: offsiteFailed ? 'offsiteFailed' : outcomeFor(outcome.exitCode, warnings.length),
    exitCode: outcome.exitCode,
    startedAt,
    finishedAt,
    computerName: computerName(),
    message: warnings.length > 0 ? `${firstLine.trim()} Warnings: ${warnings.join('; ')}` : firstLine.trim(),
    summary: outcome.json ?? null,
  };
}

/** The alert for a command that threw: exit code, message and hint of the error; exit 4 says what is still locked. */
export function alertForError(command: string, err: unknown, startedAt: Date, finishedAt: Date): RunAlert {
  const { exitCode, message, hint } = describeError(err);
  return {
    command,
    outcome: outcomeFor(exitCode),
    exitCode,
    startedAt,
    finishedAt,
    computerName: computerName(),
    message,
    hint,
    stillLocked: err instanceof LockoutNotUndoneError ? err.stillLocked : undefined,
    summary: null,
  };
}

async function finish(context: RunAlertContext, alert: RunAlert): Promise<void> {
  await guarded(context.log, async () => {
    const statusSentence = context.store
      ? await loadStatusSentence(context.store.destination, context.store.stateDir, alert.finishedAt).catch(
          (err: unknown) => {
            context.log.warn({ err: errorMessage(err) }, 'could not compute the status sentence for the alert');
            return null;
          },
        )
      : null;
    await notifyRunFinished(
      context.settings,
      { ...alert, statusSentence, logFile: context.logFile ?? null },
      context.host,
      context.log,
      context.emailDeps,
    );
  });
}

async function guarded(log: Logger, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'sending the run alert failed');
  }
}

/** A summary whose `offsite` step failed or whose newest offsite copy is overdue (src/cli/offsite-summary.ts). */
function offsiteProblem(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false;
  const offsite = (json as { offsite?: { status?: unknown; alert?: unknown } | null }).offsite;
  return !!offsite && (offsite.status === 'failed' || typeof offsite.alert === 'string');
}

function warningsOf(json: unknown): string[] {
  if (typeof json !== 'object' || json === null) return [];
  const w = (json as { warnings?: unknown }).warnings;
  return Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
}
