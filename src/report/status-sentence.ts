import type { DrillRecord, VerifyRecord } from '../store/types';
import type { HistoryRun, SnapshotHistory, StoreHistory } from './model';
import { dayOnlyWords, whenWords } from './when';

/**
 * The one sentence a practice manager reads (top of the report, e-mail alerts, `status`):
 *   "Last good backup: last night 02:14, verified, drill passed Sunday."
 *   "The last backup FAILED last night at 02:14: disk full. The last good backup is from Tuesday 02:10."
 * Pure: computed from the store's history and a reference `now`.
 */
export interface StatusOptions {
  now: Date;
  /** IANA zone for the day words; default: the machine's. */
  timeZone?: string;
}

/** A good backup older than this is called out even when no failure was recorded (the task may not be running). */
const STALE_HOURS = 36;
const MAX_REASON_CHARS = 160;

export type StatusLevel = 'ok' | 'attention' | 'failed';

export interface Status {
  sentence: string;
  /** ok = nothing to do; attention = worth a look (stale, unverified, never drilled); failed = act now. */
  level: StatusLevel;
}

export function statusSentence(history: StoreHistory, options: StatusOptions): string {
  return backupStatus(history, options).sentence;
}

export function backupStatus(history: StoreHistory, options: StatusOptions): Status {
  const { now, timeZone } = options;
  const lastRun = latestRun(history.runs);
  const lastGood = history.snapshots.length > 0 ? history.snapshots[history.snapshots.length - 1] : null;
  const lastDrill = latestDrill(history.snapshots);

  if (lastRun && lastRun.result !== 'success' && isAfterGood(lastRun, lastGood)) {
    const verb = lastRun.result === 'interrupted' ? 'was INTERRUPTED' : 'FAILED';
    const started = new Date(lastRun.startedAt);
    const at = whenWords(started, now, timeZone).replace(/ (\d\d:\d\d)$/, ' at $1');
    const reason = shortReason(lastRun);
    const good = lastGood
      ? `The last good backup is from ${whenWords(snapshotTime(lastGood), now, timeZone)}${verifySuffix(lastGood.verify)}.`
      : 'There is no good backup yet.';
    return { sentence: `The last backup ${verb} ${at}: ${reason}. ${good}`, level: 'failed' };
  }

  if (!lastGood) return { sentence: 'No backup has been made yet.', level: 'failed' };

  const goodAt = snapshotTime(lastGood);
  const ageHours = (now.getTime() - goodAt.getTime()) / 3_600_000;
  const stale =
    ageHours > STALE_HOURS
      ? ` (${Math.floor(ageHours / 24)} ${Math.floor(ageHours / 24) === 1 ? 'day' : 'days'} ago, no backup since)`
      : '';
  const parts = [
    `Last good backup: ${whenWords(goodAt, now, timeZone)}${stale}`,
    verifyWords(lastGood.verify),
    drillWords(lastDrill, now, timeZone),
  ];
  const damaged = (lastGood.verify && !lastGood.verify.ok) || (lastDrill && !lastDrill.ok);
  const level: StatusLevel = damaged ? 'failed' : stale || !lastGood.verify || !lastDrill ? 'attention' : 'ok';
  return { sentence: `${parts.join(', ')}.`, level };
}

/** When a snapshot's data was taken: its run's start, else the time in its id (2026-11-26_020000). */
export function snapshotTime(snapshot: SnapshotHistory): Date {
  if (snapshot.run) return new Date(snapshot.run.startedAt);
  return snapshotIdTime(snapshot.id) ?? new Date(0);
}

/** Snapshot ids are local times (see store/types.ts); returns null for ids that do not parse. */
export function snapshotIdTime(id: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})(\d{2})(\d{2})/.exec(id);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
}

function latestRun(runs: HistoryRun[]): HistoryRun | null {
  let best: HistoryRun | null = null;
  for (const run of runs) if (!best || Date.parse(run.startedAt) >= Date.parse(best.startedAt)) best = run;
  return best;
}

function latestDrill(snapshots: SnapshotHistory[]): DrillRecord | null {
  let best: DrillRecord | null = null;
  for (const s of snapshots)
    if (s.drill && (!best || Date.parse(s.drill.drilledAt) >= Date.parse(best.drilledAt))) best = s.drill;
  return best;
}

function isAfterGood(run: HistoryRun, good: SnapshotHistory | null): boolean {
  if (!good) return true;
  if (run.snapshotId === good.id) return false;
  return Date.parse(run.startedAt) > snapshotTime(good).getTime();
}

function shortReason(run: HistoryRun): string {
  const first = run.errors.find((e) => e.trim().length > 0);
  if (!first) return 'no reason was recorded (see the log)';
  const oneLine = first
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.\s]+$/, '');
  return oneLine.length > MAX_REASON_CHARS ? `${oneLine.slice(0, MAX_REASON_CHARS - 1)}…` : oneLine;
}

function verifyWords(verify: VerifyRecord | null): string {
  if (!verify) return 'not verified yet';
  if (!verify.ok) return 'but verification FOUND DAMAGE';
  return verify.samplePercent >= 100 ? 'verified' : 'spot-checked';
}

function verifySuffix(verify: VerifyRecord | null): string {
  if (!verify) return '';
  return verify.ok ? `, ${verifyWords(verify)}` : `, and its verification FOUND DAMAGE`;
}

function drillWords(drill: DrillRecord | null, now: Date, timeZone?: string): string {
  if (!drill) return 'no restore drill yet';
  const day = dayOnlyWords(new Date(drill.drilledAt), now, timeZone);
  return drill.ok ? `drill passed ${day}` : `restore drill FAILED ${day}`;
}
