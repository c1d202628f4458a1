import type { EventEntry, EventLevel, WindowsHost } from '../host/types';
import type { RunAlert, RunOutcomeKind } from './run-alert';

/**
 * Stable Windows Event Log ids (Application log, our own source, default "avimark-backup").
 * A public contract for monitoring tools: never renumber, only add.
 */
export const EventId = {
  /** Information: a run started (backup, recover, restore --to-live, drill). */
  RunStarted: 1000,
  /** Information: the run finished successfully. */
  RunSucceeded: 1001,
  /** Error: the run failed (exit 1); AVImark was given back and earlier snapshots are untouched. */
  RunFailed: 1002,
  /** Error: AVImark could NOT be fully given back (exit 4); the message says what is still locked. */
  LockoutNotUndone: 1003,
  /** Warning: `recover` found and undid a lockout left by an interrupted run. */
  RecoveredLeftoverLockout: 1004,
  /** Error: verification found missing, extra or damaged files (exit 3). */
  VerificationDamage: 1005,
  /** Warning: the run succeeded with warnings (see the message). */
  RunSucceededWithWarnings: 1006,
  /** Warning: the alert e-mail could not be sent. */
  EmailFailed: 1007,
  /** Warning: the local backup succeeded (exit 0) but the offsite copy failed or is older than offsite.maxAgeDays. */
  OffsiteCopyFailed: 1008,
  /** Information: written by `avimark-backup selftest` to prove the Event Log works. */
  SelftestProbe: 1010,
  /**
   * Error: the backup looked like ransomware at work (exit 5): the snapshot was kept but marked suspect,
   * `latest` did not move and pruning is held until `avimark-backup accept ID`.
   */
  SuspectSnapshot: 1030,
  /** Information: the Group Policy startup script's recover finished (ps/gpo/Avimark-Startup-Recover.ps1). */
  StartupRecoverSucceeded: 1020,
  /** Error: the startup script's recover failed or could not give AVImark back. */
  StartupRecoverFailed: 1021,
  /** Error: the startup script's recover timed out and was stopped, or could not be started. */
  StartupRecoverTimedOut: 1022,
} as const;

/** Windows truncates event messages at 31,839 characters; stay well under. */
const MAX_MESSAGE = 30_000;

const finishedIds: Record<RunOutcomeKind, { id: number; level: EventLevel; verb: string }> = {
  success: { id: EventId.RunSucceeded, level: 'Information', verb: 'succeeded' },
  warning: { id: EventId.RunSucceededWithWarnings, level: 'Warning', verb: 'succeeded with warnings' },
  failure: { id: EventId.RunFailed, level: 'Error', verb: 'FAILED' },
  damage: { id: EventId.VerificationDamage, level: 'Error', verb: 'found DAMAGE' },
  lockoutNotUndone: { id: EventId.LockoutNotUndone, level: 'Error', verb: 'could NOT give AVImark back' },
  suspect: { id: EventId.SuspectSnapshot, level: 'Error', verb: 'made a SUSPECT snapshot (possible ransomware)' },
  offsiteFailed: { id: EventId.OffsiteCopyFailed, level: 'Warning', verb: 'succeeded locally, offsite copy FAILED' },
};

export function runStartedEvent(source: string, command: string, detail: string): EventEntry {
  return {
    source,
    eventId: EventId.RunStarted,
    level: 'Information',
    message: `avimark-backup ${command} started. ${detail}`.trim(),
  };
}

/** The event for a finished run: id by outcome, a readable first paragraph, then the JSON summary. */
export function runFinishedEvent(source: string, alert: RunAlert): EventEntry {
  const kind = finishedIds[alert.outcome];
  const recovered = alert.command === 'recover' && alert.outcome === 'success' && recoveredSomething(alert.summary);
  const lines = [`avimark-backup ${alert.command} ${kind.verb} (exit code ${alert.exitCode}): ${alert.message}`];
  if (alert.statusSentence) lines.push(`Backup status: ${alert.statusSentence}`);
  if (alert.hint) lines.push(`What to do: ${alert.hint}`);
  if (alert.stillLocked && alert.stillLocked.length > 0) lines.push(`Still locked: ${alert.stillLocked.join('; ')}`);
  lines.push(
    `Started ${alert.startedAt.toISOString()}, finished ${alert.finishedAt.toISOString()} on ${alert.computerName}.`,
  );
  if (alert.logFile) lines.push(`Log: ${alert.logFile}`);
  if (alert.summary !== null && alert.summary !== undefined)
    lines.push('', 'Summary:', JSON.stringify(alert.summary, null, 2));
  let message = lines.join('\n');
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}\n… (truncated; see the log)`;
  if (recovered) return { source, eventId: EventId.RecoveredLeftoverLockout, level: 'Warning', message };
  return { source, eventId: kind.id, level: kind.level, message };
}

/** A recover summary that says it undid something: a non-empty `undone` list or `journalFound: true`. */
function recoveredSomething(summary: unknown): boolean {
  if (typeof summary !== 'object' || summary === null) return false;
  const s = summary as { undone?: unknown; journalFound?: unknown };
  if (Array.isArray(s.undone)) return s.undone.length > 0;
  return s.journalFound === true;
}

/** Writes an event; returns the failure message instead of throwing (an alert must never fail a run). */
export async function writeEventSafely(host: WindowsHost, entry: EventEntry): Promise<string | null> {
  try {
    await host.writeEvent(entry);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
