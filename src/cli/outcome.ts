import type { Command } from 'commander';
import { AppError, ExitCode, describeError } from '../errors';
import type { FinishedRun } from '../report/run-notifier';
import { endProgressLines } from './progress';

/** What a command hands back: the CLI prints `text` (or `json` under --json) and exits with `exitCode`. */
export type CommandOutcome = FinishedRun;

export function ok(text: string, json: unknown): CommandOutcome {
  return { exitCode: ExitCode.Success, text, json };
}

/**
 * Wraps a commander action: runs it, prints its outcome, and turns errors into the documented
 * exit code with a message (and hint) on stderr — or one JSON object on stdout under --json.
 */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<CommandOutcome>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const json = Boolean(command.opts().json);
    try {
      const outcome = await fn(...args);
      endProgressLines();
      if (json) process.stdout.write(`${JSON.stringify(outcome.json, null, 2)}\n`);
      else if (outcome.text) process.stdout.write(outcome.text.endsWith('\n') ? outcome.text : `${outcome.text}\n`);
      process.exitCode = outcome.exitCode;
    } catch (err) {
      endProgressLines();
      reportError(err, json);
    }
  };
}

export function reportError(err: unknown, json: boolean): void {
  const { exitCode, message, hint } = describeError(err);
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: { message, hint: hint ?? null, exitCode } }, null, 2)}\n`);
  }
  process.stderr.write(`avimark-backup: ${message}\n${hint ? `  hint: ${hint}\n` : ''}`);
  if (!(err instanceof AppError) && err instanceof Error && err.stack && process.env.AVIMARK_BACKUP_DEBUG) {
    process.stderr.write(`${err.stack}\n`);
  }
  process.exitCode = exitCode;
}
