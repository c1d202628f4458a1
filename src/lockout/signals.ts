/**
 * Every way a run can be stopped must still give AVImark back: Ctrl+C (SIGINT), SIGTERM (service
 * stop, taskkill without /F, kill), Ctrl+Break (SIGBREAK), closing the console window (SIGHUP on
 * Windows, which gives the process a few seconds), and an uncaught exception or unhandled rejection.
 * kill -9 and power cuts cannot be caught: `recover` (the startup task) handles those from the journal.
 */
import { ExitCode } from '../errors';

export const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP'] as const;
export type ExitSignal = (typeof EXIT_SIGNALS)[number];

export interface ExitGuardHandlers {
  /** A stop was requested: abort the work and give back. Called once per signal received. */
  onSignal(signal: ExitSignal): void;
  /**
   * The process is broken (uncaught exception): give back, then resolve with the exit code to use.
   * The guard exits the process with it.
   */
  onFatal(error: unknown): Promise<number>;
}

export interface ExitGuard {
  uninstall(): void;
  /** The first signal received, if any. */
  readonly signal: ExitSignal | null;
}

export function installExitGuards(handlers: ExitGuardHandlers, proc: NodeJS.Process = process): ExitGuard {
  let received: ExitSignal | null = null;
  let fatal = false;
  const signalListeners = EXIT_SIGNALS.map((sig) => {
    const listener = () => {
      received ??= sig;
      handlers.onSignal(sig);
    };
    proc.on(sig, listener);
    return { sig, listener };
  });
  const onFatal = (error: unknown) => {
    if (fatal) return;
    fatal = true;
    void handlers.onFatal(error).then(
      (code) => proc.exit(code),
      () => proc.exit(ExitCode.LockoutNotUndone),
    );
  };
  proc.on('uncaughtException', onFatal);
  proc.on('unhandledRejection', onFatal);
  return {
    get signal() {
      return received;
    },
    uninstall() {
      for (const { sig, listener } of signalListeners) proc.off(sig, listener);
      proc.off('uncaughtException', onFatal);
      proc.off('unhandledRejection', onFatal);
    },
  };
}
