import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundlePath, repoRoot } from './pwsh';

export const exePath = path.join(repoRoot, 'dist', 'avimark-backup');

/**
 * What the end-to-end tests run: the Linux single executable when it is at least as new as the
 * bundle (`npm test` builds both, so what ships is what is tested), otherwise the bundle under node.
 */
export function cliCommand(env: NodeJS.ProcessEnv = process.env): { file: string; prefix: string[] } {
  // The executable is built without the test-only hooks: a run that asks for one needs the bundle.
  const needsBundle = env.AVIMARK_TEST_CLI === 'bundle' || env.AVIMARK_BACKUP_TEST_KILL_AFTER_STEP !== undefined;
  if (needsBundle || !existsSync(exePath)) return { file: process.execPath, prefix: [bundlePath] };
  if (env.AVIMARK_TEST_CLI === 'exe') return { file: exePath, prefix: [] };
  const exeNewer = statSync(exePath).mtimeMs >= statSync(bundlePath).mtimeMs;
  return exeNewer ? { file: exePath, prefix: [] } : { file: process.execPath, prefix: [bundlePath] };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  input?: string;
}

/** Runs avimark-backup with `args` and collects its output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = startCli(args, options);
  return collect(child, options.timeoutMs ?? 120_000);
}

/** Starts avimark-backup without waiting (for kill -9 and signal tests). */
export function startCli(args: string[], options: CliOptions = {}): ChildProcess {
  const env = { ...process.env, ...options.env };
  const { file, prefix } = cliCommand(env);
  const child = spawn(file, [...prefix, ...args], {
    cwd: options.cwd ?? repoRoot,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  else child.stdin?.end();
  return child;
}

export function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`avimark-backup did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export async function tempDir(prefix = 'avb-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    cleanup: async () => {
      // Snapshot files are read-only; rm -rf as root ignores that, but be explicit for non-root runs.
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
