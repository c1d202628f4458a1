import { describe, expect, it } from 'vitest';
import { countRemoved, forgetArgs } from '../../../src/offsite/retention';

describe('retention', () => {
  it('counts what forget removed', () => {
    expect(countRemoved('[{"keep":[{}],"remove":[{},{}]},{"remove":null}]\nloading indexes...')).toBe(2);
    expect(countRemoved('')).toBe(0);
  });

  it('forget groups by host (never by the nightly paths); append-only never forgets', () => {
    expect(forgetArgs('append-only', 'H')).toBeNull();
    const args = forgetArgs({ keepDaily: 14, keepWeekly: 8, keepMonthly: 12 }, 'H') ?? [];
    expect(args.join(' ')).toBe(
      'forget --json --host H --tag avimark-backup --group-by host --keep-daily 14 --keep-weekly 8 --keep-monthly 12 --prune',
    );
  });
});
