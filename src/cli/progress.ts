import cliProgress from 'cli-progress';
import type { BackupProgress } from '../engine/backup';
import { formatBytes } from '../format/bytes';

export interface ProgressReporter {
  onProgress: (p: BackupProgress) => void;
  stop: () => void;
}

const PLAIN_INTERVAL_MS = 5000;

function rateOf(bytes: number, startedMs: number): number {
  const s = (Date.now() - startedMs) / 1000;
  return s > 0 ? bytes / s : 0;
}

function etaText(p: BackupProgress, rate: number): string {
  if (!p.scanFinished) return 'scanning';
  const left = Math.max(0, p.bytesSeen - p.bytesDone);
  if (rate <= 0) return '?';
  const s = Math.round(left / rate);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${s}s`;
}

/**
 * A progress bar (files, bytes, rate, ETA) on a terminal; a plain line every few seconds otherwise; nothing
 * under --json (stdout then carries exactly one JSON object, and stderr stays quiet).
 */
export function createProgressReporter(options: { json: boolean; stream?: NodeJS.WriteStream }): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (options.json) return { onProgress: () => undefined, stop: () => undefined };
  const started = Date.now();
  if (stream.isTTY) {
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
        const rate = rateOf(p.bytesCopied, started);
        const payload = {
          files: `${p.filesDone}/${p.filesSeen}${p.scanFinished ? '' : '+'}`,
          bytes: `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesSeen)}`,
          rate: formatBytes(Math.round(rate)),
          etaText: etaText(p, rate),
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
      },
    };
  }
  let last = 0;
  const line = (p: BackupProgress) => {
    const rate = rateOf(p.bytesCopied, started);
    stream.write(
      `progress: ${p.filesDone}/${p.filesSeen}${p.scanFinished ? '' : '+'} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesSeen)}, ` +
        `${formatBytes(Math.round(rate))}/s copying, ETA ${etaText(p, rate)}\n`,
    );
  };
  return {
    onProgress(p) {
      const t = Date.now();
      if (t - last >= PLAIN_INTERVAL_MS) {
        if (last !== 0) line(p);
        last = t;
      }
    },
    // No closing line: the run's summary, printed next, gives the final counts.
    stop: () => undefined,
  };
}
