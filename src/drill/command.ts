import { spawn } from 'node:child_process';
import { appendTail } from './plan';

export interface CommandResult {
  /** null when the command could not start, was killed, or timed out. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the command could not be started at all (not found, not executable). */
  startError: string | null;
  /** The last few thousand characters of stdout and stderr, interleaved as they came. */
  outputTail: string;
}

/**
 * Runs the administrator's drill command WITHOUT a shell (argv[0] is the program, the rest are its
 * arguments verbatim), in `cwd`, with a time limit. Never throws: every outcome is a CommandResult.
 */
export function runDrillCommand(
  argv: readonly string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    let outputTail = '';
    let timedOut = false;
    let settled = false;
    const finish = (result: Omit<CommandResult, 'outputTail' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, timedOut, outputTail });
    };
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      shell: false,
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        outputTail = appendTail(outputTail, chunk);
      });
    }
    child.on('error', (err) => finish({ exitCode: null, signal: null, startError: err.message }));
    child.on('close', (code, signal) => finish({ exitCode: timedOut ? null : code, signal, startError: null }));
  });
}
