import type { StoreSettings } from '../config/load';
import { errorMessage } from '../errors';
import { formatBytesIn } from '../format/bytes';
import { type Logger, type LogLevel, openRunLog } from '../log/logger';

/**
 * The logger of one command run: the JSON-lines file in logging.dir at the configured level, and on
 * stderr only what needs attention (`consoleLevel`, warn by default) since the command prints its own
 * summary. Like backup, a run from flags alone (no --config, no --state-dir) logs to the console
 * only, so a quick manual check needs no write access to the default state folder. A log folder that
 * cannot be created must not stop a restore: the run then logs to the console only and says so.
 */
export function commandLogger(
  settings: StoreSettings,
  runName: string,
  consoleLevel: LogLevel = 'warn',
  flags: { stateDir?: string } = {},
): Logger {
  const options = {
    level: settings.logging.level,
    consoleLevel,
    console: 'pretty' as const,
    runName,
  };
  if (settings.configFile === null && flags.stateDir === undefined) return openRunLog(options).logger;
  try {
    return openRunLog({ ...options, logDir: settings.logging.dir, keepDays: settings.logging.keepDays }).logger;
  } catch (err) {
    const logger = openRunLog(options).logger;
    logger.warn(
      { logDir: settings.logging.dir },
      `cannot write the log file, logging to the console only: ${errorMessage(err)}`,
    );
    return logger;
  }
}

/**
 * A plain progress line on stderr every few seconds for long verifies and restores (nothing under
 * --json, whose stdout must stay one object, and nothing for runs that finish quickly).
 */
export function progressTicker(
  label: string,
  options: { json: boolean; totalBytes?: number | null; intervalMs?: number; stream?: NodeJS.WritableStream },
): (p: { files: number; bytes: number }) => void {
  if (options.json) return () => undefined;
  const stream = options.stream ?? process.stderr;
  const interval = options.intervalMs ?? 5000;
  const started = Date.now();
  let last = started;
  return ({ files, bytes }) => {
    const now = Date.now();
    if (now - last < interval) return;
    last = now;
    const rate = bytes / Math.max(0.001, (now - started) / 1000);
    const of = options.totalBytes ? ` of ${formatBytesIn(options.totalBytes, 'MiB')}` : '';
    stream.write(`${label}: ${files} files, ${formatBytesIn(bytes, 'MiB')}${of} (${formatBytesIn(rate, 'MiB')}/s)\n`);
  };
}
