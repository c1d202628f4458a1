import type { StoreSettings } from '../config/load';
import { errorMessage } from '../errors';
import { createPowerShellHost } from '../host/powershell';
import type { WindowsHost } from '../host/types';
import { type Logger, openRunLog } from '../log/logger';
import type { EmailDeps } from '../report/email';
import type { RunAlertContext } from '../report/run-notifier';

/**
 * The composition root of the commands that touch Windows: which host, which log, which alerts.
 * Commands get the real things from here; tests hand in their own through CommandDeps.
 */

/** The Windows host the lockout works through (PowerShell; the simulator is chosen by environment in tests). */
export function openHost(settings: StoreSettings): WindowsHost {
  return createPowerShellHost({
    executable: settings.powershell.executable,
    callTimeoutSeconds: settings.powershell.callTimeoutSeconds,
  });
}

/** The cycle's log: the per-run file, and on the console each lockout step as it happens (warnings only under --json). */
export function cycleLogger(settings: StoreSettings, runName: string, json: boolean): Logger {
  const options = {
    level: settings.logging.level,
    console: 'pretty' as const,
    consoleLevel: json ? ('warn' as const) : ('info' as const),
    runName,
  };
  try {
    return openRunLog({ ...options, logDir: settings.logging.dir, keepDays: settings.logging.keepDays }).logger;
  } catch (err) {
    const logger = openRunLog(options).logger;
    logger.warn(
      `cannot write the log file in ${settings.logging.dir}, logging to the console only: ${errorMessage(err)}`,
    );
    return logger;
  }
}

/** What a command can be handed instead of the real thing (tests: the memory host, a test SMTP password). */
export interface CommandDeps {
  host?: WindowsHost;
  log?: Logger;
  emailDeps?: EmailDeps;
  /** Passed to the nightly cycle (tests: false, so no process-wide signal handlers are installed). */
  handleSignals?: boolean;
}

/** The alert context of a run that has the full settings (a config) and a host. */
export function alertContext(
  settings: StoreSettings,
  command: string,
  host: WindowsHost | null,
  log: Logger,
  deps: CommandDeps,
  detail = '',
): RunAlertContext {
  return {
    settings,
    command,
    host,
    log,
    store: { destination: settings.destination, stateDir: settings.stateDir },
    detail,
    emailDeps: deps.emailDeps,
  };
}
