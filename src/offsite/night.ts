import type { OffsiteConfig } from '../config/schema';
import { AppError, errorMessage } from '../errors';
import type { Logger } from '../log/logger';
import { type PushResult, pushSnapshot } from './push';
import { openRestic } from './restic';
import { type OffsiteRetentionResult, applyOffsiteRetention } from './retention';
import { offsiteHost, pushSourceFor } from './source';
import { type OffsiteState, readOffsiteState, updateOffsiteState } from './status';
import { type OffsiteVerifyResult, verifyOffsite } from './verify';

/** The part of the settings offsite work reads (StoreSettings and Settings both fit). */
export interface OffsiteSettings {
  offsite: OffsiteConfig | null;
  stateDir: string;
  destination: string;
  source: string | null;
}

export interface OffsiteNightResult {
  status: 'ok' | 'failed' | 'skipped';
  /** One sentence for the summary, the Event Log and the e-mail. */
  message: string;
  push: PushResult | null;
  retention: OffsiteRetentionResult | null;
  verify: OffsiteVerifyResult | null;
}

const DAY_MS = 86_400_000;

/** Calendar nights between two instants (local dates). Pure. */
export function nightsBetween(earlier: Date, later: Date): number {
  const day = (d: Date) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / DAY_MS;
  return day(later) - day(earlier);
}

/** Why tonight is not an offsite night, or null to push. Pure. */
export function skipReason(offsite: OffsiteConfig | null, state: OffsiteState, now: Date): string | null {
  if (!offsite) return 'no offsite copy is configured';
  if (offsite.everyNights <= 1 || !state.lastPush) return null;
  const nights = nightsBetween(new Date(state.lastPush.at), now);
  return nights < offsite.everyNights
    ? `the offsite copy runs every ${offsite.everyNights} nights; the last was ${nights} night(s) ago`
    : null;
}

/**
 * The nightly cycle's one call, AFTER the local snapshot is committed and verified (never inside the
 * lockout): push it offsite, apply the retention, read back one slice of the repository. Never
 * throws: a failure here must not turn a good local night into a failed one; the caller reports
 * "local backup OK, offsite copy failed" with `message`. Bounded by offsite.timeLimitMinutes overall.
 */
export async function runOffsiteAfterNight(
  settings: OffsiteSettings,
  snapshotId: string,
  log: Logger,
  now: Date = new Date(),
): Promise<OffsiteNightResult> {
  const result: OffsiteNightResult = { status: 'skipped', message: '', push: null, retention: null, verify: null };
  const offsite = settings.offsite;
  const olog = log.child({ component: 'offsite' });
  try {
    const state = await readOffsiteState(settings.stateDir);
    const skip = skipReason(offsite, state, now);
    if (skip || !offsite) {
      result.message = `offsite copy skipped: ${skip}`;
      return result;
    }
    const deadline = Date.now() + offsite.timeLimitMinutes * 60_000;
    const left = () => deadline - Date.now();
    const restic = await openRestic(offsite, settings.stateDir);
    const host = offsiteHost();
    const source = await pushSourceFor(settings.destination, snapshotId, settings.source);
    result.push = await pushSnapshot(restic, source, {
      host,
      stateDir: settings.stateDir,
      timeoutMs: left(),
      log: olog,
    });
    result.retention = await applyOffsiteRetention(restic, offsite.retention, { host, timeoutMs: left(), log: olog });
    const parts = [`offsite copy of ${snapshotId} OK (${result.push.resticSnapshotId.slice(0, 8)})`];
    if (left() > 60_000) {
      result.verify = await verifyOffsite(restic, {
        stateDir: settings.stateDir,
        scrubDays: offsite.scrubDays,
        slice: state.nextScrubSlice,
        timeoutMs: left(),
        log: olog,
      });
      parts.push(`check of ${result.verify.subset} of the data passed`);
    } else parts.push('no time left for the check tonight');
    result.status = 'ok';
    result.message = parts.join('; ');
  } catch (err) {
    result.status = 'failed';
    const hint = err instanceof AppError && err.hint ? ` (${err.hint})` : '';
    result.message = `offsite copy failed: ${errorMessage(err)}${hint}`;
    olog.error({ snapshotId }, result.message);
  }
  await updateOffsiteState(settings.stateDir, (s) => ({
    ...s,
    lastAttempt: { at: now.toISOString(), ok: result.status === 'ok', message: result.message },
  })).catch((err) => olog.warn({ problem: errorMessage(err) }, 'cannot record the offsite attempt'));
  return result;
}
