import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../../src/fs/faulty';
import { bundlePath } from '../../helpers/pwsh';

export { seededRandom };

/** One trial's verdict: `problems` empty = nothing lost or damaged. */
export interface TrialResult {
  campaign: string;
  name: string;
  problems: string[];
  /** What was exercised (e.g. the kill point), for the report. */
  note?: string;
}

export interface CampaignOptions {
  trials: number;
  seed: number;
  /** Short version (inside npm test): smaller trees and fewer scenarios. */
  short: boolean;
  log?: (line: string) => void;
}

export type Campaign = (options: CampaignOptions) => Promise<TrialResult[]>;

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program and collects its output; killed (and reported) after timeoutMs. */
export function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
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

/** The CLI under test: always the bundle under this node (what the exe embeds), so runs are fast. */
export function cli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<Run> {
  return run(process.execPath, [bundlePath, ...args], options);
}

/**
 * The CLI run under strace, SIGKILLed on entry to the `when`-th call of `syscall` (all threads:
 * libuv's pool does the file I/O). The syscall itself does not happen. Exit 137 / signal = killed.
 */
export function cliKilledAtSyscall(
  args: string[],
  syscall: string,
  when: number,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return run(
    'strace',
    [
      '-f',
      '-qq',
      '-o',
      '/dev/null',
      '-e',
      `trace=${syscall}`,
      '-e',
      `inject=${syscall}:signal=KILL:when=${when}`,
      process.execPath,
      bundlePath,
      ...args,
    ],
    options,
  );
}

/** Counts syscalls of one CLI run (all threads): name → calls. */
export async function cliSyscallCounts(
  args: string[],
  syscalls: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ run: Run; counts: Map<string, number> }> {
  const out = `/tmp/avb-torture-strace-${process.pid}-${Date.now()}.txt`;
  const r = await run(
    'strace',
    [
      '-f',
      '-qq',
      '--seccomp-bpf',
      '-c',
      '-o',
      out,
      '-e',
      `trace=${syscalls.join(',')}`,
      process.execPath,
      bundlePath,
      ...args,
    ],
    options,
  );
  const counts = new Map<string, number>();
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
    if (m) counts.set(m[2], Number(m[1]));
  }
  rmSync(out, { force: true });
  return { run: r, counts };
}

export interface TreeSpec {
  smallFiles: number;
  largeFiles: number;
  largeBytes: number;
}

/** A seeded AVImark-like tree: *.V2$ tables, a few large files, nested folders, an empty folder. */
export function writeSourceTree(root: string, random: () => number, spec: TreeSpec): void {
  mkdirSync(path.join(root, 'empty'), { recursive: true });
  for (let i = 0; i < spec.smallFiles; i += 1) {
    const dir = i % 3 === 0 ? 'Images' : i % 3 === 1 ? 'Docs/2026' : '';
    mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(path.join(root, dir, `T${i}.V2$`), randomBytes(random, 1 + Math.floor(random() * 20_000)));
  }
  for (let i = 0; i < spec.largeFiles; i += 1)
    writeFileSync(path.join(root, `BIG${i}.V2$`), randomBytes(random, spec.largeBytes));
  writeFileSync(path.join(root, 'zero.dat'), '');
}

/** A day of changes: some files rewritten, one appended, one new, one deleted (seeded). */
export function mutateSourceTree(root: string, random: () => number, spec: TreeSpec): void {
  for (let i = 0; i < spec.smallFiles; i += 1) {
    if (random() < 0.25) {
      const dir = i % 3 === 0 ? 'Images' : i % 3 === 1 ? 'Docs/2026' : '';
      writeFileSync(path.join(root, dir, `T${i}.V2$`), randomBytes(random, 1 + Math.floor(random() * 20_000)));
    }
  }
  if (spec.largeFiles > 0) writeFileSync(path.join(root, 'BIG0.V2$'), randomBytes(random, spec.largeBytes + 4096));
  appendFileSync(path.join(root, 'zero.dat'), 'now not empty');
  writeFileSync(path.join(root, `new-${Math.floor(random() * 1e6)}.txt`), randomBytes(random, 3000));
  rmSync(path.join(root, 'T2.V2$'), { force: true });
}

/** n seeded pseudo-random bytes (SHA-256 in counter mode over one seeded key). */
export function randomBytes(random: () => number, n: number): Buffer {
  const key = String(Math.floor(random() * 0x100000000));
  const chunks: Buffer[] = [];
  let have = 0;
  for (let i = 0; have < n; i += 1) {
    const block = createHash('sha256').update(`${key}:${i}`).digest();
    chunks.push(block);
    have += block.length;
  }
  return Buffer.concat(chunks).subarray(0, n);
}

export function sparseFile(p: string, bytes: number): void {
  writeFileSync(p, 'head');
  truncateSync(p, bytes);
}

/** The snapshots `list --json` names (whatever its exact shape: an array or { snapshots: [] }). */
export function listedIds(stdout: string): string[] {
  const parsed = JSON.parse(stdout) as unknown;
  const arr = Array.isArray(parsed) ? parsed : ((parsed as { snapshots?: unknown[] }).snapshots ?? []);
  return arr.map((s) => String((s as { id: string }).id));
}
