/**
 * Fires once when the lockout has lasted `maxMinutes`: aborts `controller` with a reason that the
 * cycle turns into "copy stopped, AVImark given back, partial kept". Cancel it when giving back.
 */
export interface Watchdog {
  readonly fired: boolean;
  cancel(): void;
}

export class WatchdogFiredError extends Error {
  constructor(readonly maxMinutes: number) {
    super(`the lockout reached its limit of ${maxMinutes} minute(s) (lockout.maxLockoutMinutes)`);
    this.name = 'WatchdogFiredError';
  }
}

export function startWatchdog(maxMinutes: number, controller: AbortController, onFire?: () => void): Watchdog {
  let fired = false;
  const timer = setTimeout(
    () => {
      fired = true;
      onFire?.();
      controller.abort(new WatchdogFiredError(maxMinutes));
    },
    Math.max(0, Math.round(maxMinutes * 60_000)),
  );
  // The watchdog must not keep a finished process alive.
  timer.unref();
  return {
    get fired() {
      return fired;
    },
    cancel: () => clearTimeout(timer),
  };
}
