import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { LockoutConfig } from '../config/schema';
import { errorMessage } from '../errors';
import { clockTime } from '../format/clock';
import { formatDecimal } from '../format/number';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';

/** One message before the lockout: sent `minutes` before it, after waiting `waitMs` since the previous one. */
export interface WarningSlot {
  minutes: number;
  waitMs: number;
}

/**
 * When to warn: the configured minutes before the lockout, largest first. The lockout starts
 * `max(minutes)` after the first message; `trailingWaitMs` is the wait after the last message.
 */
export function warningSchedule(warnMinutes: number[]): { slots: WarningSlot[]; trailingWaitMs: number } {
  const minutes = [...new Set(warnMinutes)].sort((a, b) => b - a);
  const slots: WarningSlot[] = minutes.map((m, i) => ({
    minutes: m,
    waitMs: i === 0 ? 0 : Math.round((minutes[i - 1] - m) * 60_000),
  }));
  const trailingWaitMs = minutes.length === 0 ? 0 : Math.round(minutes[minutes.length - 1] * 60_000);
  return { slots, trailingWaitMs };
}

/** Fills {minutes} and {backBy} in a message template. */
export function formatWarning(template: string, values: { minutes: number; backBy: Date }): string {
  return template
    .replaceAll('{minutes}', formatDecimal(values.minutes))
    .replaceAll('{backBy}', clockTime(values.backBy));
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
  if (ms <= 0) return;
  await sleepTimer(ms, undefined, { signal });
};

/** What a warning needs: who to message, the text, and when AVImark is back. */
export interface WarningContext {
  host: WindowsHost;
  lockout: LockoutConfig;
  log: Logger;
  /** When AVImark is expected back, for {backBy}; computed from the lockout start. */
  backBy: (lockoutAt: Date) => Date;
  now: () => Date;
}

/** Messages every session that the lockout starts `minutes` from now; returns warnings (never throws). */
export function sendWarning(options: WarningContext, minutes: number): Promise<string[]> {
  const lockoutAt = new Date(options.now().getTime() + minutes * 60_000);
  const text = formatWarning(options.lockout.warnMessage, { minutes, backBy: options.backBy(lockoutAt) });
  return sendToUsers(options.host, options.log, text);
}

/**
 * Messages every session at each scheduled time, then waits until the lockout time. A message that
 * cannot be delivered is a warning, never a reason to skip the backup. Returns the warnings.
 */
export async function warnUsers(options: WarningContext & { sleep: Sleep; signal?: AbortSignal }): Promise<string[]> {
  const { slots, trailingWaitMs } = warningSchedule(options.lockout.warnMinutes);
  const warnings: string[] = [];
  for (const slot of slots) {
    await options.sleep(slot.waitMs, options.signal);
    warnings.push(...(await sendWarning(options, slot.minutes)));
  }
  await options.sleep(trailingWaitMs, options.signal);
  return warnings;
}

/** Sends one message to every session; returns warnings (never throws for a message that failed). */
export async function sendToUsers(host: WindowsHost, log: Logger, text: string): Promise<string[]> {
  try {
    const result = await host.sendMessage(text, 60);
    for (const w of result.warnings) log.warn(w);
    if (result.delivered) {
      log.info(`users messaged: ${text}`);
      return [];
    }
    return [
      `users could not be messaged ("${text}"): ${result.warnings.join('; ') || `msg.exe exit code ${result.exitCode}`}`,
    ];
  } catch (err) {
    const warning = `users could not be messaged ("${text}"): ${errorMessage(err)}`;
    log.warn(warning);
    return [warning];
  }
}
