import { afterEach, describe, expect, it } from 'vitest';
import { localTime } from '../../../src/cli/local-time';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('localTime', () => {
  it.each([
    ['America/New_York', '2026-11-25 20:14:05 -05:00'],
    ['Asia/Kolkata', '2026-11-26 06:44:05 +05:30'],
    ['UTC', '2026-11-26 01:14:05 +00:00'],
  ])('writes a UTC stamp in the local zone (%s) with its offset, to the second', (zone, expected) => {
    process.env.TZ = zone;
    expect(localTime('2026-11-26T01:14:05.123Z')).toBe(expected);
    expect(localTime(new Date('2026-11-26T01:14:05.123Z'))).toBe(expected);
  });

  it('returns a text that is not a time as it is', () => {
    expect(localTime('?')).toBe('?');
  });
});
