import { spawnSync } from 'node:child_process';

/**
 * Imported first by the CLI entry, before anything can start libuv's thread pool (it reads the size
 * once, at its first use). Node's default of 4 threads is shared by every file read, write, stat and
 * fsync: a batch of fsyncs on a slow disk would leave the copies waiting. An administrator's own
 * UV_THREADPOOL_SIZE wins.
 *
 * Windows: setting process.env there does NOT reach libuv. Node's setter calls SetEnvironmentVariableW,
 * and libuv up to 1.51 (Node 22's) reads the size with the C runtime's getenv, whose copy of the
 * environment was taken at start-up (libuv/libuv#4887, fixed by #4888 in a later libuv; nodejs/help#1429).
 * Measured under Wine with the pinned node.exe 22.23.3: six reads blocked on pipes starve a stat when the
 * size is set through process.env, not when it is in the environment at start. So on Windows, when the
 * variable is not in the environment, the program starts itself once more with it set, waits, and exits
 * with the child's exit code (about one Node start-up more, ~0.2 s, and the idle parent's memory).
 */
export const THREADPOOL_SIZE = 16;

export interface Relaunch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** Set in the relaunched child (and honoured by hand): never relaunch. */
export const NO_RELAUNCH_ENV = 'AVIMARK_BACKUP_NO_RELAUNCH';

/**
 * Whether and how to start again so that the thread pool size takes effect (pure). `argv` and `execArgv`
 * are process.argv / process.execArgv: in a single executable argv[1] is the executable itself, so only
 * the arguments after it are passed again; run as `node script`, Node's own options and the script too.
 */
export function relaunchFor(input: {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  execPath: string;
  execArgv: readonly string[];
  argv: readonly string[];
}): Relaunch | null {
  const { platform, env, execPath, execArgv, argv } = input;
  if (platform !== 'win32' || env.UV_THREADPOOL_SIZE !== undefined || env[NO_RELAUNCH_ENV] !== undefined) return null;
  const args = argv[1] === execPath ? argv.slice(2) : [...execArgv, ...argv.slice(1)];
  return {
    command: execPath,
    args,
    env: { ...env, UV_THREADPOOL_SIZE: String(THREADPOOL_SIZE), [NO_RELAUNCH_ENV]: '1' },
  };
}

/**
 * Runs the relaunched child to its end and gives its exit code. Ctrl+C and Ctrl+Break reach the whole
 * console (the child handles them and gives AVImark back); the listeners keep this parent alive until then.
 * null when the child could not be started: the run goes on here, with libuv's default pool.
 */
function runRelaunched(relaunch: Relaunch): number | null {
  const keepAlive = () => undefined;
  process.on('SIGINT', keepAlive);
  process.on('SIGBREAK', keepAlive);
  const child = spawnSync(relaunch.command, relaunch.args, { stdio: 'inherit', env: relaunch.env, windowsHide: true });
  if (child.error) {
    process.off('SIGINT', keepAlive);
    process.off('SIGBREAK', keepAlive);
    return null;
  }
  return child.status ?? 1;
}

const relaunch = relaunchFor(process);
const exitCode = relaunch === null ? null : runRelaunched(relaunch);
if (exitCode !== null) process.exit(exitCode);
process.env.UV_THREADPOOL_SIZE ??= String(THREADPOOL_SIZE);
