import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../src/format/duration';

describe('formatDuration', () => {
  it('tenths of a second under a minute, then minutes and seconds, then hours and minutes', () => {
    expect(formatDuration(0)).toBe('0.0 s');
    expect(formatDuration(4.24)).toBe('4.2 s');
    expect(formatDuration(59.94)).toBe('59.9 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(3 * 3600 + 61)).toBe('3 h 1 min');
  });

  it('whole: rounded seconds, minor part in two digits', () => {
    expect(formatDuration(42.4, { whole: true })).toBe('42 s');
    expect(formatDuration(59.6, { whole: true })).toBe('1 min 00 s');
    expect(formatDuration(125, { whole: true })).toBe('2 min 05 s');
    expect(formatDuration(3 * 3600 + 61, { whole: true })).toBe('3 h 01 min');
  });
});
