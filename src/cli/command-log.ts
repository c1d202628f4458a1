import type { StoreSettings } from '../config/load';
import { errorMessage } from '../errors';
import { type Logger, type LogLevel, openRunLog } from '../log/logger';
import { type TaskProgressOptions, taskProgress } from './progress';

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
 * Progress for long verifies, restores and offsite pushes: a live line with the rate and (when the total is
 * known) an ETA, on a terminal only — nothing when stderr is not a terminal or under --json (src/cli/progress.ts).
 */
export function progressTicker(label: string, options: TaskProgressOptions): ReturnType<typeof taskProgress> {
  return taskProgress(label, options);
}
