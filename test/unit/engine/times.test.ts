import { statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utimesSeconds, utimesTime } from '../../../src/engine/times';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-times-')));
afterEach(async () => cleanup());

describe('utimesSeconds', () => {
  it('a time set from it always reads back as the same whole microsecond (floor of the nanoseconds)', () => {
    const file = path.join(dir, 'f');
    writeFileSync(file, 'x');
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return BigInt(seed);
    };
    for (let i = 0; i < 300; i += 1) {
      // Present-day times with every kind of sub-microsecond remainder, including the edges.
      const base = 1_700_000_000n + (next() % 100_000_000n);
      const sub = i % 3 === 0 ? 999_999_999n : i % 3 === 1 ? 0n : next() % 1_000_000_000n;
      const ns = base * 1_000_000_000n + sub;
      const s = utimesSeconds(ns);
      utimesSync(file, s, s);
      expect(statSync(file, { bigint: true }).mtimeNs / 1000n).toBe(ns / 1000n);
      expect(utimesSeconds(ns.toString())).toBe(s);
    }
  });

  it('handles times before 1970 by flooring', () => {
    expect(utimesSeconds(-1n)).toBeCloseTo(-1 + 0.9999995, 9);
  });
});

describe('utimesTime', () => {
  it('a time before 1970 reads back as the same whole microsecond (floor), never as "now"', () => {
    const file = path.join(dir, 'old');
    writeFileSync(file, 'x');
    for (const ns of [-1n, -999n, -1000n, -1001n, -1_500_000_000n, -15_000_000_250_000_001n, -86_400_000_000_000n]) {
      const t = utimesTime(ns);
      utimesSync(file, t, t);
      const floorUs = ns / 1000n - (ns % 1000n === 0n ? 0n : 1n);
      expect(statSync(file, { bigint: true }).mtimeNs).toBe(floorUs * 1000n);
    }
  });

  it('present-day times are utimesSeconds itself', () => {
    expect(utimesTime(1_700_000_000_123_456_789n)).toBe(utimesSeconds(1_700_000_000_123_456_789n));
    expect(utimesTime('0')).toBe(utimesSeconds(0n));
  });
});
