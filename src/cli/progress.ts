import type { BackupProgress } from '../engine/backup';
import type { BackupStatus } from '../offsite/json';
import { formatBytes } from '../format/bytes';

/**
 * Progress for a person at a terminal (an administrator over RDP): a live line with the rate and an ETA
 * for backup, verify, restore, drill and offsite push. Nothing at all when stderr is not a terminal (the
 * nightly task, a pipe, the PowerShell module reading the output) and nothing under --json.
 */

export interface ProgressReporter {
  onProgress: (p: BackupProgress) => void;
  stop: () => void;
}

/**
 * Seconds left at the rate so far: `left` units to go after `done` in `elapsedSeconds`. Null while it
 * cannot be known (nothing done yet, no time passed, or the total is still growing).
 */
export function etaSeconds(done: number, left: number, elapsedSeconds: number): number | null {
  if (left <= 0) return 0;
  if (done <= 0 || elapsedSeconds <= 0) return null;
  return Math.round(left / (done / elapsedSeconds));
}

/** "45s", "3m05s", "2h07m"; "?" when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${s}s`;
}

/** The backup's ETA: bytes still to go over the copy rate so far; unknown while the scan is still finding files. */
export function backupEta(p: BackupProgress, elapsedSeconds: number): string {
  if (!p.scanFinished) return 'scanning';
  return formatEta(etaSeconds(p.bytesCopied, Math.max(0, p.bytesSeen - p.bytesDone), elapsedSeconds));
}

const quiet: ProgressReporter = { onProgress: () => undefined, stop: () => undefined };

/** Whether progress may be shown on `stream`: a terminal, and not under --json. */
export function showsProgress(stream: { isTTY?: boolean }, json: boolean): boolean {
  return !json && stream.isTTY === true;
}

/**
 * The backup's progress bar (files, bytes, rate, ETA) on a terminal; nothing otherwise. cli-progress is loaded
 * only for a terminal: a scheduled run never pays for it (memory).
 */
export async function createProgressReporter(options: {
  json: boolean;
  stream?: NodeJS.WriteStream;
}): Promise<ProgressReporter> {
  const stream = options.stream ?? process.stderr;
  if (!showsProgress(stream, options.json)) return quiet;
  const { default: cliProgress } = await import('cli-progress');
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {percentage}% | {files} files | {bytes} | {rate}/s | ETA {etaText}',
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedBar = false;
  return {
    onProgress(p) {
      const elapsed = (Date.now() - started) / 1000;
      const payload = {
        files: `${p.filesDone}/${p.filesSeen}${p.scanFinished ? '' : '+'}`,
        bytes: `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesSeen)}`,
        rate: formatBytes(Math.round(elapsed > 0 ? p.bytesCopied / elapsed : 0)),
        etaText: backupEta(p, elapsed),
      };
      const total = Math.max(1, p.bytesSeen);
      if (!startedBar) {
        bar.start(total, p.bytesDone, payload);
        startedBar = true;
      } else {
        bar.setTotal(total);
        bar.update(p.bytesDone, payload);
      }
    },
    stop() {
      if (startedBar) bar.stop();
      startedBar = false;
    },
  };
}

/** Streams with a progress line on them that has not been ended yet (see endProgressLines). */
const openLines = new Set<NodeJS.WritableStream>();

/**
 * Ends any live progress line, so what is printed next starts on a line of its own. The CLI calls it
 * before it prints a command's result or error.
 */
export function endProgressLines(): void {
  for (const stream of openLines) stream.write('\n');
  openLines.clear();
}

export interface TaskProgressOptions {
  json: boolean;
  /** The bytes the task will handle, when known: gives the percentage and the ETA. */
  totalBytes?: number | null;
  /** Least time between two updates of the line (default 1 s). */
  intervalMs?: number;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  now?: () => number;
}

/** One update of a task's progress line. */
export interface TaskProgress {
  files: number;
  bytes: number;
  /** Overrides the total given when the line was made (e.g. restic's total, which grows while it scans). */
  totalBytes?: number | null;
  /** The task's own estimate of the seconds left (restic's), used instead of the rate so far when given. */
  secondsLeft?: number | null;
}

/**
 * A live line for verify, restore, drill and offsite push — "restoring X: 120 files, 1.2 GiB of 3.4 GiB
 * (35%), 45.0 MiB/s, ETA 52s" — rewritten in place on a terminal; nothing when not a terminal or under --json.
 */
export function taskProgress(label: string, options: TaskProgressOptions): (p: TaskProgress) => void {
  const stream = options.stream ?? process.stderr;
  if (!showsProgress(stream, options.json)) return () => undefined;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 1000;
  const started = now();
  let last = Number.NEGATIVE_INFINITY;
  return ({ files, bytes, totalBytes, secondsLeft }) => {
    const t = now();
    if (t - last < interval) return;
    last = t;
    const total = totalBytes ?? options.totalBytes ?? null;
    const elapsed = (t - started) / 1000;
    const rate = elapsed > 0 ? bytes / elapsed : 0;
    const of = total
      ? ` of ${formatBytes(total)} (${Math.min(100, Math.floor((bytes / Math.max(1, total)) * 100))}%)`
      : '';
    const left = secondsLeft ?? (total ? etaSeconds(bytes, total - bytes, elapsed) : null);
    const eta = total || secondsLeft != null ? `, ETA ${formatEta(left)}` : '';
    stream.write(
      `\r${label}: ${files} files, ${formatBytes(bytes)}${of}, ${formatBytes(Math.round(rate))}/s${eta}\x1b[K`,
    );
    openLines.add(stream);
  };
}

/**
 * restic's status line as a task progress update: its totals grow while it still scans (0 before it has
 * any), and its own estimate of the time left is used once it gives one.
 */
export function resticProgress(status: BackupStatus): TaskProgress {
  return {
    files: status.filesDone,
    bytes: status.bytesDone,
    totalBytes: status.totalBytes > 0 ? status.totalBytes : null,
    secondsLeft: status.secondsRemaining,
  };
}
