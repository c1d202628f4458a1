import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Running one command and measuring its wall time and peak memory. */

export interface Timed {
  seconds: number;
  /** Peak resident set size (GNU time %M), null when /usr/bin/time is not available. */
  peakRssBytes: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
export const haveGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true']).status === 0;

/** Runs `file args` to completion; throws with its output when it exits non-zero. */
export async function timed(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Timed> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'avb-time-'));
  const timeOut = path.join(scratch, 'time.txt');
  const [cmd, cmdArgs] = haveGnuTime ? [GNU_TIME, ['-f', '%M', '-o', timeOut, file, ...args]] : [file, [...args]];
  const started = process.hrtime.bigint();
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(cmd, cmdArgs, {
          cwd: options.cwd,
          env: { ...process.env, ...options.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-64 * 1024)));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-64 * 1024)));
        child.on('error', reject);
        child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
      },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) {
      throw new Error(`${[file, ...args].join(' ')} exited with ${code}\n${stderr.trim()}\n${stdout.trim()}`.trim());
    }
    let peakRssBytes: number | null = null;
    if (haveGnuTime && existsSync(timeOut)) {
      const kb = Number(readFileSync(timeOut, 'utf8').trim().split('\n').pop());
      if (Number.isFinite(kb)) peakRssBytes = kb * 1024;
    }
    return { seconds, peakRssBytes, stdout, stderr };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Flushes the file system holding `dir` (syncfs) and returns how long it took. */
export async function syncFs(dir: string): Promise<number> {
  return (await timed('sync', ['-f', dir])).seconds;
}

/**
 * Ours returns only when its snapshot is fsynced; cp and rsync return with data still in the page cache.
 * So every contender that writes is timed as "tool, then `sync -f` of the destination", and the
 * sync share is kept apart for the notes.
 */
export interface DurableTimed extends Timed {
  toolSeconds: number;
  syncSeconds: number;
}

export async function durable(run: Promise<Timed>, dir: string): Promise<DurableTimed> {
  const result = await run;
  const syncSeconds = await syncFs(dir);
  return { ...result, toolSeconds: result.seconds, syncSeconds, seconds: result.seconds + syncSeconds };
}

/** Reads every file under `dir` once so every contender starts with the same warm page cache. */
export async function warm(dir: string): Promise<void> {
  await timed('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 -r cat > /dev/null', 'sh', dir]);
}

export function removeTree(dir: string): void {
  // Snapshot files are read-only; force removal regardless (we are the owner or root).
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
