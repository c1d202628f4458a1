import type { SnapshotId } from './types';
import { compareSnapshotIds } from './layout';

/**
 * Which snapshots a retention policy keeps, like restic's `forget`: walking from the newest,
 * keep-last keeps the n newest; keep-daily keeps the newest snapshot of each of the n most recent
 * days that have one; weekly (ISO weeks, Monday first) and monthly likewise; a rule that still has
 * counts left when it reaches the oldest snapshot keeps that one too (restic ≥ 0.17 does the same). Calendar periods are the
 * local date and time written in the snapshot id (the server's clock when the backup ran).
 *
 * Two safety rules on top: the newest snapshot is always kept, and a policy whose keep-* are all
 * zero removes nothing (as restic refuses an empty policy) — an all-zero policy is far more likely a
 * mistake than a wish to delete every backup but one.
 */
export interface RetentionPolicy {
  keepLast: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

export type KeepReason = 'newest' | 'last' | 'daily' | 'weekly' | 'monthly' | 'no-policy';

export interface RetentionDecision {
  id: SnapshotId;
  keep: boolean;
  /** Why it is kept (empty when removed). */
  reasons: KeepReason[];
}

export interface RetentionPlan {
  /** Newest first. */
  keep: RetentionDecision[];
  /** Newest first. */
  remove: RetentionDecision[];
}

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const ID_DATE = /^(\d{4})-(\d{2})-(\d{2})_\d{6}(?:_\d+)?$/;

export function snapshotCalendarDate(id: SnapshotId): CalendarDate {
  const m = ID_DATE.exec(id);
  if (!m) throw new Error(`"${id}" is not a snapshot id (YYYY-MM-DD_HHMMSS)`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek({ year, month, day }: CalendarDate): { year: number; week: number } {
  // Pure calendar arithmetic in UTC so the machine's time zone and DST cannot shift the date.
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const isoYear = date.getUTCFullYear();
  const firstDay = Date.UTC(isoYear, 0, 1);
  const week = Math.ceil(((date.getTime() - firstDay) / 86_400_000 + 1) / 7);
  return { year: isoYear, week };
}

interface Rule {
  reason: Exclude<KeepReason, 'newest' | 'no-policy'>;
  count: number;
  bucket: (id: SnapshotId) => string;
}

export function planRetention(ids: readonly SnapshotId[], policy: RetentionPolicy): RetentionPlan {
  const newestFirst = [...ids].sort((a, b) => compareSnapshotIds(b, a));
  const noPolicy = policy.keepLast + policy.keepDaily + policy.keepWeekly + policy.keepMonthly === 0;
  const rules: Rule[] = [
    { reason: 'last', count: policy.keepLast, bucket: (id) => id },
    {
      reason: 'daily',
      count: policy.keepDaily,
      bucket: (id) => {
        const d = snapshotCalendarDate(id);
        return `${d.year}-${d.month}-${d.day}`;
      },
    },
    {
      reason: 'weekly',
      count: policy.keepWeekly,
      bucket: (id) => {
        const w = isoWeek(snapshotCalendarDate(id));
        return `${w.year}-W${w.week}`;
      },
    },
    {
      reason: 'monthly',
      count: policy.keepMonthly,
      bucket: (id) => {
        const d = snapshotCalendarDate(id);
        return `${d.year}-${d.month}`;
      },
    },
  ];
  const remaining = rules.map((r) => r.count);
  const lastBucket: (string | null)[] = rules.map(() => null);

  const keep: RetentionDecision[] = [];
  const remove: RetentionDecision[] = [];
  newestFirst.forEach((id, index) => {
    const reasons: KeepReason[] = [];
    if (index === 0) reasons.push('newest');
    if (noPolicy) reasons.push('no-policy');
    rules.forEach((rule, r) => {
      if (remaining[r] <= 0) return;
      const bucket = rule.bucket(id);
      // Like restic, a rule with counts left also keeps the oldest snapshot: the longest history it can.
      if (bucket === lastBucket[r] && index !== newestFirst.length - 1) return;
      lastBucket[r] = bucket;
      remaining[r] -= 1;
      reasons.push(rule.reason);
    });
    (reasons.length > 0 ? keep : remove).push({ id, keep: reasons.length > 0, reasons });
  });
  return { keep, remove };
}

export function describeReasons(reasons: readonly KeepReason[]): string {
  const words: Record<KeepReason, string> = {
    newest: 'newest snapshot',
    last: 'keep-last',
    daily: 'keep-daily',
    weekly: 'keep-weekly',
    monthly: 'keep-monthly',
    'no-policy': 'no retention policy (all keep-* are 0)',
  };
  return reasons.map((r) => words[r]).join(', ');
}
