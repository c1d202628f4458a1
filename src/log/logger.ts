import { readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isatty } from 'node:tty';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';

/** The logger every module receives (pino; use `.child({ component })` for a module's own lines). */
export type Logger = pino.Logger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type ConsoleFormat = 'pretty' | 'json' | 'off';

export interface LoggerOptions {
  /** Folder for the per-run JSON-lines file; no file when absent. */
  logDir?: string;
  level: LogLevel;
  /** Console output on stderr: readable lines, raw JSON lines, or none. */
  console: ConsoleFormat;
  /** Names the log file: `<logDir>/<YYYY-MM-DD_HHMMSS>-<runName>.log`. */
  runName: string;
  /** Logs in logDir older than this are deleted when the logger is created. */
  keepDays?: number;
  /** Console level when it should differ from `level` (e.g. quieter console, detailed file). */
  consoleLevel?: LogLevel;
  /** Where console lines go (default: file descriptor 2, stderr). */
  consoleFd?: number;
  now?: Date;
}

export interface RunLog {
  logger: Logger;
  /** The per-run log file, or null without a logDir. */
  file: string | null;
  /** Old log files removed by the retention. */
  removed: string[];
}

/**
 * Secrets never reach a log line. Redaction works by field path (not inside message strings),
 * so never interpolate secrets into messages; pass objects instead.
 */
export const redactPaths = [
  'password',
  'pass',
  'auth',
  'secret',
  'token',
  '*.password',
  '*.pass',
  '*.auth',
  '*.secret',
  '*.token',
  '*.*.password',
  '*.*.pass',
  '*.*.auth',
  'smtp.password',
  'smtp.auth',
  'email.password',
  'alerts.email.password',
  'config.alerts.email.password',
  'settings.alerts.email.password',
];

const LOG_NAME = /^\d{4}-\d{2}-\d{2}_\d{6}-[A-Za-z0-9._-]+\.log$/;

/** Creates the run's logger; see `openRunLog` for the file path and the retention result. */
export function createLogger(options: LoggerOptions): Logger {
  return openRunLog(options).logger;
}

/**
 * JSON lines to `<logDir>/<timestamp>-<runName>.log` plus console lines on stderr. Every stream is
 * synchronous (pino transports cannot run from a single-file executable, and an asynchronous stream
 * loses its last lines on process.exit). Synchronous itself, so it can be created anywhere.
 */
export function openRunLog(options: LoggerOptions): RunLog {
  const now = options.now ?? new Date();
  const streams: pino.StreamEntry<pino.Level>[] = [];
  let file: string | null = null;
  let removed: string[] = [];
  if (options.logDir) {
    if (options.keepDays !== undefined) removed = removeOldLogs(options.logDir, options.keepDays, now);
    file = path.join(options.logDir, `${logTimestamp(now)}-${safeRunName(options.runName)}.log`);
    streams.push({
      level: options.level,
      stream: pino.destination({ dest: file, sync: true, mkdir: true, append: true }),
    });
  }
  const consoleLevel = options.consoleLevel ?? options.level;
  const fd = options.consoleFd ?? 2;
  if (options.console === 'json')
    streams.push({ level: consoleLevel, stream: pino.destination({ dest: fd, sync: true }) });
  if (options.console === 'pretty') streams.push({ level: consoleLevel, stream: prettyConsoleStream(fd) });

  const lowest = lowestLevel([options.level, ...(options.console === 'off' ? [] : [consoleLevel])]);
  const logger =
    streams.length === 0
      ? pino({ level: 'silent' })
      : pino(
          {
            level: lowest,
            base: { run: options.runName },
            redact: { paths: redactPaths, censor: '[REDACTED]' },
            timestamp: pino.stdTimeFunctions.isoTime,
          },
          pino.multistream(streams),
        );
  if (removed.length > 0) logger.debug({ removed: removed.length }, 'removed old log files');
  return { logger, file, removed };
}

/** A logger that writes nowhere (unit tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Readable lines formatted by pino-pretty's formatter, written synchronously (no worker, no pipe). */
function prettyConsoleStream(fd: number): pino.DestinationStream {
  const format = prettyFactory({
    colorize: isatty(fd) && !process.env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,run',
    singleLine: true,
  });
  return {
    write(line: string) {
      writeSync(fd, format(line));
    },
  };
}

/** Deletes our own log files (named by `openRunLog`) last modified more than `keepDays` days before `now`. */
export function removeOldLogs(logDir: string, keepDays: number, now: Date): string[] {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch {
    return [];
  }
  const cutoff = now.getTime() - keepDays * 24 * 3600 * 1000;
  const removed: string[] = [];
  for (const name of names) {
    if (!LOG_NAME.test(name)) continue;
    const full = path.join(logDir, name);
    try {
      const info = statSync(full);
      if (info.isFile() && info.mtimeMs < cutoff) {
        unlinkSync(full);
        removed.push(full);
      }
    } catch {
      // Another run may be removing it at the same time; retention is best effort.
    }
  }
  return removed;
}

export function logTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function safeRunName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_') || 'run';
}

function lowestLevel(levels: LogLevel[]): LogLevel {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  return order[Math.min(...levels.map((l) => order.indexOf(l)))];
}
