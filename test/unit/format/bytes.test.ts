import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesIn } from '../../../src/format/bytes';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('formatBytes', () => {
  it('writes bytes as they are and larger sizes in binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(512 * MiB)).toBe('512.0 MiB');
    expect(formatBytes(5 * GiB)).toBe('5.0 GiB');
    expect(formatBytes(3 * 1024 * GiB)).toBe('3.0 TiB');
    expect(formatBytes(2048 * 1024 * GiB)).toBe('2048.0 TiB'); // no unit past TiB
  });

  it('compact: whole numbers from 100 up', () => {
    expect(formatBytes(512 * MiB, { compact: true })).toBe('512 MiB');
    expect(formatBytes(99.5 * KiB, { compact: true })).toBe('99.5 KiB');
    expect(formatBytes(512, { compact: true })).toBe('512 B');
  });

  it('takes other labels for the same binary multiples', () => {
    expect(formatBytes(1536, { units: ['B', 'KB', 'MB'] })).toBe('1.5 KB');
    expect(formatBytes(20 * GiB, { units: ['B', 'KB', 'MB'] })).toBe('20480.0 MB');
  });
});

describe('formatBytesIn', () => {
  it('writes a size in a fixed unit', () => {
    expect(formatBytesIn(3 * MiB, 'MiB')).toBe('3.0 MiB');
    expect(formatBytesIn(1.5 * KiB, 'MiB')).toBe('0.0 MiB');
    expect(formatBytesIn(GiB + 512 * MiB, 'GiB', 2)).toBe('1.50 GiB');
    expect(formatBytesIn(250 * MiB, 'MiB', 0)).toBe('250 MiB');
    expect(formatBytesIn(2 * KiB, 'KiB')).toBe('2.0 KiB');
  });
});
