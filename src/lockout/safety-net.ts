import path from 'node:path';
import type { ScheduledTaskDefinition } from '../host/types';
import type { SafetyNetStep } from './steps';

/**
 * The lockout's safety net (issue 13 §2): Task Scheduler's time limit, "End task", endpoint protection
 * and a crash of the runtime end us with TerminateProcess, so no handler of ours runs. A one-shot SYSTEM
 * task registered as the first lockout step runs `recover` once the lockout should long be over; the
 * give-back (or `recover`) removes it. Its command line is our own executable, `recover` and the config
 * path: no secret.
 */
export const SAFETY_NET_TASK_PATH = '\\avimark-backup\\';
export const SAFETY_NET_TASK_NAME = 'lockout-safety-net';
/** After lockout.maxLockoutMinutes: the time the watchdog and the give-back may still need. */
export const SAFETY_NET_MARGIN_MINUTES = 10;

/** Quotes one argument so CommandLineToArgvW gives it back unchanged (how Task Scheduler starts the action). */
export function quoteWindowsArgument(value: string): string {
  if (value !== '' && !/[\s"]/.test(value)) return value;
  let out = '"';
  let slashes = 0;
  for (const ch of value) {
    if (ch === '\\') {
      slashes += 1;
      continue;
    }
    out += ch === '"' ? `${'\\'.repeat(2 * slashes + 1)}"` : `${'\\'.repeat(slashes)}${ch}`;
    slashes = 0;
  }
  return `${out}${'\\'.repeat(2 * slashes)}"`;
}

/** The config file this process was started with (`--config <path>` or `--config=<path>`), absolute; null: the default. */
function configArgument(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--config' && i + 1 < argv.length) return path.resolve(argv[i + 1]);
    if (a.startsWith('--config=')) return path.resolve(a.slice('--config='.length));
  }
  return null;
}

/**
 * `recover --config <path>` run by the same executable as this process: the single executable itself,
 * or node with the bundle (a script path in argv[1]).
 */
export function recoverCommand(
  argv: readonly string[] = process.argv,
  execPath: string = process.execPath,
): { execute: string; argument: string } {
  const script = argv[1] && /\.(c|m)?js$/i.test(argv[1]) ? [path.resolve(argv[1])] : [];
  const config = configArgument(argv.slice(2));
  const args = [...script, 'recover', ...(config ? ['--config', config] : [])];
  return { execute: execPath, argument: args.map(quoteWindowsArgument).join(' ') };
}

/** What is registered for the step (the lockout, and selftest's throwaway copy). */
export function safetyNetTask(step: SafetyNetStep): ScheduledTaskDefinition {
  return {
    taskPath: step.taskPath,
    taskName: step.taskName,
    execute: step.execute,
    argument: step.argument,
    description: 'avimark-backup safety net: gives AVImark back if the backup was killed (removed when it ends)',
    runAt: step.runAt,
    timeLimitMinutes: 60,
  };
}

/** The first lockout step: the task runs `recover` at `now` + maxLockoutMinutes + the margin. */
export function safetyNetStep(options: {
  now: Date;
  maxLockoutMinutes: number;
  command?: { execute: string; argument: string };
}): SafetyNetStep {
  const runAt = new Date(options.now.getTime() + (options.maxLockoutMinutes + SAFETY_NET_MARGIN_MINUTES) * 60_000);
  return {
    kind: 'safetyNet',
    taskPath: SAFETY_NET_TASK_PATH,
    taskName: SAFETY_NET_TASK_NAME,
    ...(options.command ?? recoverCommand()),
    runAt: runAt.toISOString(),
  };
}
