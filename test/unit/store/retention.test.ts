import { describe, expect, it } from 'vitest';
import { isoWeek, planRetention, type RetentionPolicy } from '../../../src/store/retention';

const none: RetentionPolicy = { keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 };
const ids = (plan: ReturnType<typeof planRetention>) => ({
  keep: plan.keep.map((d) => d.id),
  remove: plan.remove.map((d) => d.id),
});

/** One snapshot a day at 02:00 from `start` (YYYY-MM-DD) for `days` days. */
function daily(start: string, days: number, time = '020000'): string[] {
  const [y, m, d] = start.split('-').map(Number);
  const out: string[] = [];
  for (let i = 0; i < days; i++) {
    const dt = new Date(Date.UTC(y, m - 1, d + i));
    const p = (n: number) => String(n).padStart(2, '0');
    out.push(`${dt.getUTCFullYear()}-${p(dt.getUTCMonth() + 1)}-${p(dt.getUTCDate())}_${time}`);
  }
  return out;
}

describe('planRetention', () => {
  it('keeps nothing and removes nothing for an empty store', () => {
    expect(planRetention([], { ...none, keepLast: 3 })).toEqual({ keep: [], remove: [] });
  });

  it('always keeps a single snapshot, even with keepLast 0 and other rules set', () => {
    const plan = planRetention(['2026-11-26_020000'], {
      ...none,
      keepWeekly: 0,
      keepMonthly: 0,
      keepDaily: 0,
      keepLast: 0,
    });
    expect(ids(plan)).toEqual({ keep: ['2026-11-26_020000'], remove: [] });
  });

  it('removes nothing when every keep-* is zero (restic refuses an empty policy too)', () => {
    const all = daily('2026-11-01', 10);
    const plan = planRetention(all, none);
    expect(plan.remove).toEqual([]);
    expect(plan.keep[0].reasons).toEqual(['newest', 'no-policy']);
  });

  it('marks the newest as kept for its own sake', () => {
    const plan = planRetention(daily('2026-11-01', 3), { ...none, keepDaily: 1 });
    expect(plan.keep[0]).toEqual({ id: '2026-11-03_020000', keep: true, reasons: ['newest', 'daily'] });
  });

  it('keep-last keeps the n newest in id order, with collision suffixes ordered numerically', () => {
    const all = ['2026-11-26_020000', '2026-11-26_020000_2', '2026-11-26_020000_10', '2026-11-25_020000'];
    const plan = planRetention(all, { ...none, keepLast: 2 });
    expect(ids(plan)).toEqual({
      keep: ['2026-11-26_020000_10', '2026-11-26_020000_2'],
      remove: ['2026-11-26_020000', '2026-11-25_020000'],
    });
  });

  it('keep-daily keeps the newest snapshot of each day, several snapshots on one day count once', () => {
    const all = [
      '2026-11-24_020000',
      '2026-11-25_020000',
      '2026-11-25_140000',
      '2026-11-26_020000',
      '2026-11-26_090000',
      '2026-11-26_230000',
    ];
    const plan = planRetention(all, { ...none, keepDaily: 2 });
    expect(ids(plan).keep).toEqual(['2026-11-26_230000', '2026-11-25_140000']);
    expect(ids(plan).remove).toEqual([
      '2026-11-26_090000',
      '2026-11-26_020000',
      '2026-11-25_020000',
      '2026-11-24_020000',
    ]);
  });

  it('a rule with counts left keeps the oldest snapshot (longest history)', () => {
    const all = ['2026-11-25_020000', '2026-11-25_140000'];
    const plan = planRetention(all, { ...none, keepDaily: 5 });
    expect(ids(plan)).toEqual({ keep: ['2026-11-25_140000', '2026-11-25_020000'], remove: [] });
  });

  it('keep-monthly crosses month and year boundaries by calendar month', () => {
    const all = [...daily('2025-12-30', 4), ...daily('2026-01-31', 2)];
    // 2025-12-30, 12-31, 2026-01-01, 01-02, 01-31, 02-01
    const plan = planRetention(all, { ...none, keepMonthly: 2 });
    expect(ids(plan).keep).toEqual(['2026-02-01_020000', '2026-01-31_020000']);
    const three = planRetention(all, { ...none, keepMonthly: 3 });
    expect(ids(three).keep).toEqual(['2026-02-01_020000', '2026-01-31_020000', '2025-12-31_020000']);
  });

  it('keep-weekly uses ISO weeks across the year boundary', () => {
    // 2026-12-28 (Mon) … 2027-01-03 (Sun) are all ISO week 2026-W53; 2027-01-04 starts 2027-W01.
    const all = daily('2026-12-27', 9); // Sun 12-27 (W52) … Mon 01-04 (2027-W01)
    const plan = planRetention(all, { ...none, keepWeekly: 3 });
    expect(ids(plan).keep).toEqual(['2027-01-04_020000', '2027-01-03_020000', '2026-12-27_020000']);
  });

  it('combines rules and records every reason', () => {
    const all = daily('2026-10-01', 57); // to 2026-11-26
    const plan = planRetention(all, { keepLast: 2, keepDaily: 3, keepWeekly: 2, keepMonthly: 2 });
    const kept = Object.fromEntries(plan.keep.map((d) => [d.id, d.reasons]));
    expect(kept['2026-11-26_020000']).toEqual(['newest', 'last', 'daily', 'weekly', 'monthly']);
    expect(kept['2026-11-25_020000']).toEqual(['last', 'daily']);
    expect(kept['2026-11-24_020000']).toEqual(['daily']);
    expect(kept['2026-11-22_020000']).toEqual(['weekly']); // Sunday ending the previous ISO week
    expect(kept['2026-10-31_020000']).toEqual(['monthly']);
    expect(plan.keep).toHaveLength(5);
    expect(plan.remove).toHaveLength(52);
    expect(plan.remove.every((d) => d.reasons.length === 0 && !d.keep)).toBe(true);
  });

  it('rejects an id that is not a snapshot id', () => {
    expect(() => planRetention(['2026-11-26_020000', 'junk'], { ...none, keepDaily: 1 })).toThrow(/not a snapshot id/);
  });
});

describe('isoWeek', () => {
  it.each([
    ['2026-01-01', 2026, 1], // Thursday
    ['2021-01-03', 2020, 53], // Sunday belongs to the previous ISO year
    ['2024-12-30', 2025, 1], // Monday belongs to the next ISO year
    ['2026-12-31', 2026, 53],
  ])('%s is %i-W%i', (date, year, week) => {
    const [y, m, d] = date.split('-').map(Number);
    expect(isoWeek({ year: y, month: m, day: d })).toEqual({ year, week });
  });
});
