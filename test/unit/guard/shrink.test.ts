import { describe, expect, it } from 'vitest';
import { formatCount } from '../../../src/format/number';
import { checkShrink, fellBy, missingRequiredFiles } from '../../../src/guard/shrink';

const GB = 1024 ** 3;

describe('checkShrink', () => {
  it('fails an empty source after a good night, naming both numbers and --allow-shrink', () => {
    const verdict = checkShrink({
      previous: { files: 3339, bytes: 2.5 * GB },
      current: { files: 0, bytes: 0 },
      maxShrinkPercent: 50,
      missingRequired: [],
    });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.message).toContain('the source has 0 files (0 B); the previous snapshot had 3,339 files (2.5 GiB)');
    expect(verdict.message).toContain('100% fewer files and 100% fewer bytes');
    expect(verdict.message).toContain('Nothing was committed or pruned.');
    expect(verdict.message).toMatch(/run once with --allow-shrink\.$/);
    expect(verdict.problems).toHaveLength(1);
  });

  it('fails on bytes alone and on files alone, only beyond the limit', () => {
    const previous = { files: 1000, bytes: 1000_000 };
    const bytesOnly = checkShrink({
      previous,
      current: { files: 1000, bytes: 400_000 },
      maxShrinkPercent: 50,
      missingRequired: [],
    });
    expect(bytesOnly.ok).toBe(false);
    if (!bytesOnly.ok) {
      expect(bytesOnly.message).toContain('60% fewer bytes');
      expect(bytesOnly.message).not.toContain('fewer files');
    }
    const filesOnly = checkShrink({
      previous,
      current: { files: 12, bytes: 990_000 },
      maxShrinkPercent: 50,
      missingRequired: [],
    });
    expect(filesOnly.ok).toBe(false);
    if (!filesOnly.ok) expect(filesOnly.message).toContain('the source has 12 files (966.8 KiB)');
    // exactly at the limit passes; growth passes
    expect(
      checkShrink({ previous, current: { files: 500, bytes: 500_000 }, maxShrinkPercent: 50, missingRequired: [] }).ok,
    ).toBe(true);
    expect(
      checkShrink({ previous, current: { files: 2000, bytes: 5e6 }, maxShrinkPercent: 50, missingRequired: [] }).ok,
    ).toBe(true);
  });

  it('on the first backup checks only the required files', () => {
    expect(
      checkShrink({ previous: null, current: { files: 0, bytes: 0 }, maxShrinkPercent: 50, missingRequired: [] }).ok,
    ).toBe(true);
    const verdict = checkShrink({
      previous: null,
      current: { files: 0, bytes: 0 },
      maxShrinkPercent: 50,
      missingRequired: ['CLIENT.V2$', 'ANIMAL.V2$'],
    });
    expect(verdict.ok).toBe(false);
    if (!verdict.ok)
      expect(verdict.message).toContain('2 files AVImark needs are missing from the source: CLIENT.V2$, ANIMAL.V2$');
  });

  it('reports a shrink and missing required files together', () => {
    const verdict = checkShrink({
      previous: { files: 10, bytes: 100 },
      current: { files: 1, bytes: 100 },
      maxShrinkPercent: 50,
      missingRequired: ['TREAT.V2$'],
    });
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.problems).toHaveLength(2);
      expect(verdict.message).toContain('; a file AVImark needs is missing from the source: TREAT.V2$');
    }
  });
});

describe('helpers', () => {
  it('fellBy, formatCount', () => {
    expect(fellBy(0, 0)).toBe(0);
    expect(fellBy(100, 150)).toBe(0);
    expect(fellBy(200, 50)).toBe(75);
    expect(formatCount(3339)).toBe('3,339');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(12)).toBe('12');
  });

  it('missingRequiredFiles normalizes separators and asks `has`', () => {
    const present = new Set(['client.v2$', 'sub/animal.v2$']);
    const has = (rel: string) => present.has(rel.toLowerCase());
    expect(missingRequiredFiles(['CLIENT.V2$', 'sub\\ANIMAL.V2$', './TREAT.V2$'], has)).toEqual(['./TREAT.V2$']);
  });
});
