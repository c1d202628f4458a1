import { describe, expect, it } from 'vitest';
import { clockTime, localDate, localStamp, pad2 } from '../../../src/format/clock';

describe('clock', () => {
  // Local time on both sides: the machine's time zone does not matter.
  const d = new Date(2026, 10, 6, 2, 5, 59);

  it('writes local wall-clock times and dates with two-digit fields', () => {
    expect(pad2(7)).toBe('07');
    expect(pad2(12)).toBe('12');
    expect(clockTime(d)).toBe('02:05');
    expect(localDate(d)).toBe('2026-11-06');
    expect(localStamp(d)).toBe('2026-11-06 02:05');
    expect(clockTime(new Date(2026, 0, 1, 23, 59))).toBe('23:59');
  });
});
