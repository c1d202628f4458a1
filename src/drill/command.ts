import { type ChildProcess, spawn } from 'node:child_process';
import { errorMessage } from '../errors';
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
    let child: ChildProcess;
    try {
      child = spawn(argv[0], argv.slice(1), {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        shell: false,
        windowsHide: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      // Windows refuses .bat/.cmd without a shell (spawn EINVAL): say how to run one.
      resolve({
        exitCode: null,
        signal: null,
        timedOut: false,
        outputTail: '',
        startError: `${errorMessage(err)}${scriptHint(argv[0])}`,
      });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        outputTail = appendTail(outputTail, chunk);
      });
    }
    child.on('error', (err) =>
      finish({ exitCode: null, signal: null, startError: `${err.message}${scriptHint(argv[0])}` }),
    );
    child.on('close', (code, signal) => finish({ exitCode: timedOut ? null : code, signal, startError: null }));
  });
}

/** Scripts are not programs: they need their interpreter as argv[0]. */
export function scriptHint(program: string): string {
  if (/\.(bat|cmd)$/i.test(program)) return ` (a batch file needs "cmd.exe", "/d", "/c" before it in drill.command)`;
  if (/\.ps1$/i.test(program))
    return ` (a PowerShell script needs "powershell.exe", "-NoProfile", "-File" before it in drill.command)`;
  return '';
}
