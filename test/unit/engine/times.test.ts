import { statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utimesSeconds } from '../../../src/engine/times';
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
