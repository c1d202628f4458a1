import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ContentSource, setMtime } from './dataset/content';
import { DATASET_EPOCH_MS } from './dataset/profile';
import { removeTree, syncFs } from './measure';
import type { OurCli } from './ours';
import { type BenchSettings, type Collected, inWork } from './scenario-common';
import { TARGETS } from './targets';
import { formatBytes, median } from './units';

/**
 * "Kill during a large file, under I/O contention: share of the file copied again."
 *
 * A backup of one large file (plus a small table) starts while a competing writer syncs every MiB it writes
 * (`dd oflag=dsync` in a loop) to the same file system. When the backup has written `killFraction` of the
 * file it gets SIGKILL; the contention stops and the same backup runs again, resuming the partial. Bytes are
 * counted by the kernel (`wchar` of /proc/<pid>/io: every byte passed to write()), independent of the
 * engine's own output: copied again = (written by the killed run + written by the rerun) − written by an
 * uninterrupted backup of the same folder.
 */

export interface KillRun {
  writtenBeforeKill: number;
  writtenByRerun: number;
  copiedAgainBytes: number;
  /** The engine's own count of what the rerun copied (its --json summary), when it gives one. */
  engineBytesCopied: number | null;
}

export interface KillMeasurement {
  fileBytes: number;
  uninterruptedBytes: number;
  runs: KillRun[];
}

export interface CountedRun {
  /** Bytes written (wchar) by our process and its threads, counted until it ended. */
  wchar: number;
  killed: boolean;
  code: number | null;
  stdout: string;
}

/**
 * Runs `cli args` under `sh`, which reports the child's pid (fd 3) and, after reaping it, its own
 * /proc io counters — a reaped child's counts are added to its parent's, so they are exact even after SIGKILL.
 * With `killAtBytes`, polls the child's wchar and kills it once it has written that much.
 */
export async function countedRun(
  cli: OurCli,
  args: readonly string[],
  killAtBytes: number | null,
): Promise<CountedRun> {
  const script = '"$@" & echo "pid $!" >&3; wait $!; echo "exit $?" >&3; grep "^wchar:" /proc/$$/io >&3';
  const child = spawn('sh', ['-c', script, 'sh', cli.file, ...cli.prefix, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, AVIMARK_BACKUP_DEBUG: '1' },
  });
  let control = '';
  let stdout = '';
  let killed = false;
  let poller: NodeJS.Timeout | undefined;
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-64 * 1024)));
  child.stderr?.resume();
  const control$ = child.stdio[3] as Readable | null;
  if (!control$) throw new Error('no control pipe');
  control$.setEncoding('utf8');
  control$.on('data', (d: string) => {
    control += d;
    const pid = /pid (\d+)\n/.exec(control)?.[1];
    if (pid && killAtBytes !== null && poller === undefined) {
      poller = setInterval(() => {
        if (killed || wcharOf(Number(pid)) < killAtBytes) return;
        killed = true;
        process.kill(Number(pid), 'SIGKILL');
      }, 10);
    }
  });
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  if (poller) clearInterval(poller);
  const wchar = Number(/wchar: (\d+)/.exec(control)?.[1]);
  const code = Number(/exit (\d+)/.exec(control)?.[1]);
  if (!Number.isFinite(wchar)) throw new Error(`could not count the bytes written (${control.trim()})`);
  return { wchar, killed, code: Number.isFinite(code) ? code : null, stdout };
}

function wcharOf(pid: number): number {
  try {
    return Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // not started yet, or already gone
  }
}

/** A competing writer that syncs each MiB it writes; returns the function that stops it. */
function startContention(file: string): () => Promise<void> {
  const loop = 'while :; do dd if=/dev/zero of="$1" bs=1M count=128 oflag=dsync status=none; done';
  const writer: ChildProcess = spawn('sh', ['-c', loop, 'sh', file], { stdio: 'ignore', detached: true });
  return async () => {
    const closed = new Promise<void>((resolve) => writer.once('close', () => resolve()));
    if (writer.pid !== undefined && writer.exitCode === null) process.kill(-writer.pid, 'SIGKILL');
    await closed;
    rmSync(file, { force: true });
  };
}

/** `bytesCopied` of the engine's --json summary (one pretty-printed object on stdout), null without one. */
export function engineBytesCopied(stdout: string): number | null {
  try {
    const parsed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { bytesCopied?: unknown };
    return typeof parsed.bytesCopied === 'number' ? parsed.bytesCopied : null;
  } catch {
    return null;
  }
}

export async function measureKillResume(s: BenchSettings, killFraction = 0.6): Promise<KillMeasurement> {
  const w = (...parts: string[]): string => inWork(s, 'kill', ...parts);
  const data = w('data');
  mkdirSync(data, { recursive: true });
  const source = new ContentSource(s.seed);
  source.writeFile(path.join(data, 'LOG004.V2$'), 'kill/LOG004.V2$', s.killFileBytes, DATASET_EPOCH_MS);
  source.writeFile(path.join(data, 'CLIENT.V2$'), 'kill/CLIENT.V2$', 512 * 1024, DATASET_EPOCH_MS);
  setMtime(data, DATASET_EPOCH_MS);
  const backupArgs = (n: string) => [
    'backup',
    '--no-lockout',
    '--json',
    '--source',
    data,
    '--dest',
    w(n, 'store'),
    '--state-dir',
    w(n, 'state'),
  ];

  const clean = await countedRun(s.cli, backupArgs('clean'), null);
  if (clean.code !== 0) throw new Error(`the uninterrupted backup exited with ${clean.code}`);
  removeTree(w('clean'));
  const runs: KillRun[] = [];
  for (let i = 0; i < s.runs; i++) {
    await syncFs(s.workDir);
    const stop = startContention(w('contention.bin'));
    let first: CountedRun;
    try {
      first = await countedRun(s.cli, backupArgs('run'), Math.round(killFraction * s.killFileBytes));
    } finally {
      await stop();
    }
    if (!first.killed) throw new Error('the backup finished before the kill point; use a larger --kill-file');
    const rerun = await countedRun(s.cli, backupArgs('run'), null);
    if (rerun.code !== 0) throw new Error(`the rerun after the kill exited with ${rerun.code}`);
    runs.push({
      writtenBeforeKill: first.wchar,
      writtenByRerun: rerun.wchar,
      copiedAgainBytes: Math.max(0, first.wchar + rerun.wchar - clean.wchar),
      engineBytesCopied: engineBytesCopied(rerun.stdout),
    });
    removeTree(w('run'));
  }
  removeTree(w());
  return { fileBytes: s.killFileBytes, uninterruptedBytes: clean.wchar, runs };
}

export async function runKillFigure(s: BenchSettings): Promise<Collected> {
  s.log(`kill during a ${formatBytes(s.killFileBytes)} file under I/O contention …`);
  const title = `Kill during a ${formatBytes(s.killFileBytes)} file under I/O contention, rerun: file copied again`;
  try {
    const m = await measureKillResume(s);
    const again = m.runs.map((r) => r.copiedAgainBytes);
    const share = median(again) / m.fileBytes;
    const killedAt = median(m.runs.map((r) => r.writtenBeforeKill));
    return {
      figures: [
        {
          id: 'kill-copied-again',
          title,
          unit: 'bytes',
          ours: again,
          peer: null,
          peerLabel: `${(share * 100).toFixed(0)} % of the file`,
          target: TARGETS.killCopiedAgain,
          note: `killed (SIGKILL) after writing ${formatBytes(killedAt)} (median) while \`dd oflag=dsync\` wrote to the same disk; bytes counted by the kernel (wchar); the engine's own count of what the rerun copied: ${m.runs.map((r) => (r.engineBytesCopied === null ? '—' : formatBytes(r.engineBytesCopied))).join(', ')}.`,
        },
      ],
      notes: [],
      raw: { kill: m },
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      figures: [
        {
          id: 'kill-copied-again',
          title,
          unit: 'bytes',
          ours: [],
          peer: null,
          peerLabel: '',
          target: TARGETS.killCopiedAgain,
          notMeasured: reason,
        },
      ],
      notes: [],
      raw: {},
    };
  }
}
