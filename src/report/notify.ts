import os from 'node:os';
import type { Config } from '../config/schema';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import { type EmailDeps, sendAlertEmail } from './email';
import { EventId, runFinishedEvent, runStartedEvent, writeEventSafely } from './event-log';
import { isProblem, type RunAlert } from './run-alert';

/** The part of the settings the alerts read. */
export interface AlertSettings {
  alerts: Config['alerts'];
}

export interface NotifyResult {
  eventWritten: boolean;
  emailSent: boolean;
  /** Problems sending the alerts (already logged); never contains a password. */
  problems: string[];
}

/** At the start of a run: Event Log entry 1000. Never throws. */
export async function notifyRunStarted(
  settings: AlertSettings,
  command: string,
  host: WindowsHost | null,
  log: Logger,
  detail = '',
): Promise<void> {
  if (!host || !settings.alerts.eventLog.enabled) return;
  const problem = await writeEventSafely(host, runStartedEvent(settings.alerts.eventLog.source, command, detail));
  if (problem) log.warn({ problem }, 'could not write the run-start event to the Event Log');
}

/**
 * At the end of every run (success or failure): the Event Log entry for its outcome, and the
 * e-mail when it failed (or always, with `onSuccess`). Never throws: a broken mail server must not
 * turn a good backup into a failed one. What went wrong is logged and returned.
 */
export async function notifyRunFinished(
  settings: AlertSettings,
  alert: RunAlert,
  host: WindowsHost | null,
  log: Logger,
  emailDeps?: EmailDeps,
): Promise<NotifyResult> {
  const result: NotifyResult = { eventWritten: false, emailSent: false, problems: [] };
  const eventLog = settings.alerts.eventLog;
  if (host && eventLog.enabled) {
    const problem = await writeEventSafely(host, runFinishedEvent(eventLog.source, alert));
    if (problem) {
      result.problems.push(`Event Log: ${problem}`);
      log.warn({ problem }, 'could not write the run result to the Event Log');
    } else result.eventWritten = true;
  }
  const email = settings.alerts.email;
  if (email && (isProblem(alert.outcome) || email.onSuccess)) {
    const sent = await sendAlertEmail(email, alert, emailDeps);
    if (sent.sent) {
      result.emailSent = true;
      log.info({ to: email.to, messageId: sent.messageId }, 'alert e-mail sent');
    } else {
      const problem = sent.error ?? 'unknown error';
      result.problems.push(problem);
      log.warn({ problem }, 'could not send the alert e-mail');
      if (host && eventLog.enabled) {
        await writeEventSafely(host, {
          source: eventLog.source,
          eventId: EventId.EmailFailed,
          level: 'Warning',
          message: problem,
        });
      }
    }
  }
  return result;
}

export function computerName(): string {
  return process.env.COMPUTERNAME ?? os.hostname();
}
