import type { StoreSettings } from '../config/load';
import type { AfterNight, AfterNightResult } from '../cycle/after-night';
import { errorMessage } from '../errors';
import { formatBytes } from '../format/bytes';
import { runOffsiteAfterNight } from '../offsite/night';
import { type OffsiteStatus, offsiteStatus, readOffsiteState } from '../offsite/status';

/**
 * The offsite copy as the night, `status`, `list` and the HTML report show it: the cycle's step 8
 * wired to src/offsite/night.ts, and the age of the newest copy and its last check from
 * <stateDir>/offsite-state.json (the repository is not touched).
 */

/** The nightly cycle's step 8 when `offsite` is configured; undefined otherwise. */
export function offsiteAfterNight(settings: StoreSettings): AfterNight | undefined {
  if (!settings.offsite) return undefined;
  return async (snapshotId, log) => {
    const night = await runOffsiteAfterNight(settings, snapshotId, log);
    const state = await offsiteStateFor(settings, new Date());
    const push = night.push;
    return {
      status: night.status,
      message: night.message,
      summary: {
        resticSnapshotId: push?.resticSnapshotId ?? null,
        bytesAdded: push?.bytesAdded ?? null,
        bytesStored: push?.bytesStored ?? null,
        durationSeconds: push?.durationSeconds ?? null,
        check: night.verify ? { ok: night.verify.ok, subset: night.verify.subset } : null,
        newestCopy: state?.newestCopy ?? null,
        lastCheck: state?.lastCheck ?? null,
        alert: state?.alert ?? null,
      },
    };
  };
}

/** The offsite status, or null when no offsite copy is configured (or the state cannot be read: a warning in `alert`). */
export async function offsiteStateFor(settings: StoreSettings, now: Date): Promise<OffsiteStatus | null> {
  if (!settings.offsite) return null;
  try {
    return offsiteStatus(await readOffsiteState(settings.stateDir), settings.offsite.maxAgeDays, now);
  } catch (err) {
    return {
      newestCopy: null,
      lastCheck: null,
      lastAttempt: null,
      alert: `cannot read the offsite state: ${errorMessage(err)}`,
    };
  }
}

/** Lines for `status`, `list` and the report: the newest offsite copy's age, the last check, the alert. */
export function offsiteStatusLines(status: OffsiteStatus | null): string[] {
  if (!status) return [];
  const lines: string[] = [];
  const copy = status.newestCopy;
  lines.push(
    copy
      ? `Newest offsite copy: ${copy.snapshotId}, ${copy.ageDays} day(s) old (restic ${copy.resticSnapshotId.slice(0, 8)})`
      : 'Newest offsite copy: none yet',
  );
  const check = status.lastCheck;
  lines.push(
    check
      ? `Last offsite check: ${check.ageDays} day(s) ago, ${check.subset} of the data: ${check.ok ? 'OK' : 'FAILED'}`
      : 'Last offsite check: none yet',
  );
  if (status.lastAttempt && !status.lastAttempt.ok) lines.push(`Last offsite attempt: ${status.lastAttempt.message}`);
  if (status.alert) lines.push(`OFFSITE ALERT: ${status.alert}`);
  return lines;
}

/**
 * What a push added, in words: restic's new data before compression (`bytesAdded`) and, from restic 0.17, what
 * it takes in the repository once compressed (`bytesStored`, null before).
 */
export function bytesAddedWords(added: number, stored: number | null): string {
  return stored === null
    ? `${formatBytes(added)} of new data for the repository (before compression)`
    : `${formatBytes(stored)} added to the repository (${formatBytes(added)} before compression)`;
}

/** The night's step 8 in `backup`'s text and JSON summary; `warning` is set when it failed or is overdue. */
export function renderOffsiteNight(offsite: AfterNightResult | null | undefined): {
  lines: string[];
  json: Record<string, unknown> | null;
  warning: string | null;
} {
  if (!offsite) return { lines: [], json: null, warning: null };
  const lines = [`  offsite:  ${offsite.message}`];
  const added = offsite.summary.bytesAdded;
  const stored = offsite.summary.bytesStored;
  if (typeof added === 'number')
    lines.push(`            ${bytesAddedWords(added, typeof stored === 'number' ? stored : null)}`);
  const alert = typeof offsite.summary.alert === 'string' ? offsite.summary.alert : null;
  if (alert && offsite.status !== 'failed') lines.push(`  OFFSITE ALERT: ${alert}`);
  const warning =
    offsite.status === 'failed'
      ? `local backup OK, ${offsite.message}`
      : alert
        ? `local backup OK, offsite copy overdue: ${alert}`
        : null;
  return { lines, json: { status: offsite.status, message: offsite.message, ...offsite.summary }, warning };
}

/** The offsite block of the HTML report (src/report/html.ts takes it as data), or null when not configured. */
export async function offsiteReport(
  settings: StoreSettings,
  now: Date,
): Promise<{ lines: string[]; attention: boolean } | null> {
  const status = await offsiteStateFor(settings, now);
  return status ? { lines: offsiteStatusLines(status), attention: status.alert !== null } : null;
}
