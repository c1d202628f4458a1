import { spawn } from 'node:child_process';
import path from 'node:path';
import { pwshPath, repoRoot } from './pwsh';

export interface PwshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The simulated Windows modules (ScheduledTasks, …) found first on PSModulePath. */
export const simModulesDir = path.join(repoRoot, 'test', 'sim', 'modules');

/**
 * Runs a PowerShell script text in a fresh `pwsh -NoProfile -NonInteractive` (the script is passed as
 * one argument, never through a shell). Test values go in through `env`, not into the script text.
 */
export function runPwsh(script: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<PwshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(pwshPath(), ['-NoProfile', '-NonInteractive', '-Command', script], {
      cwd: repoRoot,
      env: { ...process.env, PSModulePath: simModulesDir, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pwsh did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `script`, which must end by writing one JSON document, and parses it. Host lines before it
 * ("What if: …") are skipped: the document starts at the first line that opens with `{` or `[`.
 */
export async function pwshJson<T>(script: string, env: NodeJS.ProcessEnv = {}): Promise<T> {
  const result = await runPwsh(
    `$ErrorActionPreference = 'Stop'; $PSStyle.OutputRendering = 'PlainText'\n${script}`,
    env,
  );
  if (result.code !== 0)
    throw new Error(`pwsh exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  try {
    const start = result.stdout.search(/^[[{]/m);
    return JSON.parse(start >= 0 ? result.stdout.slice(start) : result.stdout) as T;
  } catch {
    throw new Error(`pwsh output is not JSON:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
