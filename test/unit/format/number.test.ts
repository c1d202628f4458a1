import { describe, expect, it } from 'vitest';
import { formatCount, formatDecimal, formatPercent } from '../../../src/format/number';

describe('numbers', () => {
  it('groups thousands with commas, whatever the locale', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(3339)).toBe('3,339');
    expect(formatCount(1234567.9)).toBe('1,234,567');
  });

  it('whole numbers as they are, others with one decimal', () => {
    expect(formatDecimal(5)).toBe('5');
    expect(formatDecimal(2.5)).toBe('2.5');
    expect(formatDecimal(0.25)).toBe('0.3');
    expect(formatPercent(10)).toBe('10%');
    expect(formatPercent(12.5)).toBe('12.5%');
  });
});
