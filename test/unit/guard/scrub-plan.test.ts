import { describe, expect, it } from 'vitest';
import {
  type ScrubMark,
  type StoredFile,
  markScrubbed,
  planScrub,
  scrubCoverage,
  storedFileKey,
} from '../../../src/guard/scrub-plan';

const DAY = 86_400_000;
const start = new Date('2026-01-01T02:00:00Z');

function store(n: number, sizeOf: (i: number) => number = () => 1000): StoredFile[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `1:${i}`,
    sha256: `h${i}`,
    size: sizeOf(i),
    snapshotId: '2026-01-01_020000',
    path: `F${i}`,
  }));
}

/** Runs `nights` nightly scrubs; returns, per file, the longest gap (days) between reads and the nights it was read. */
function simulate(files: StoredFile[], scrubDays: number, nights: number, initial = new Map<string, ScrubMark>()) {
  let state: Map<string, ScrubMark> = initial;
  const lastRead = new Map<string, number>();
  const maxGap = new Map<string, number>();
  let maxSliceBytes = 0;
  for (let night = 0; night < nights; night++) {
    const now = new Date(start.getTime() + night * DAY);
    const plan = planScrub({ files, state, now, scrubDays });
    maxSliceBytes = Math.max(maxSliceBytes, plan.sliceBytes);
    for (const f of plan.slice) {
      const prev = lastRead.get(f.key);
      if (prev !== undefined) maxGap.set(f.key, Math.max(maxGap.get(f.key) ?? 0, night - prev));
      lastRead.set(f.key, night);
    }
    state = markScrubbed(
      state,
      plan.slice.map((f) => ({ key: f.key, sha256: f.sha256, ok: true })),
      now,
    );
  }
  return { state, lastRead, maxGap, maxSliceBytes };
}

describe('planScrub', () => {
  it('re-hashes every file at least every scrubDays days, about 1/scrubDays of the bytes a night', () => {
    const files = store(300, (i) => 1000 + (i % 7) * 500);
    const total = files.reduce((s, f) => s + f.size, 0);
    const { lastRead, maxGap, maxSliceBytes } = simulate(files, 30, 120);
    expect(lastRead.size).toBe(300);
    for (const f of files) {
      expect(maxGap.get(f.key), f.path).toBeLessThanOrEqual(30);
      // read in the last 30 nights of the simulation
      expect(lastRead.get(f.key)).toBeGreaterThanOrEqual(120 - 30);
    }
    expect(maxSliceBytes).toBeLessThanOrEqual(Math.ceil(total / 30) + 4000);
  });

  it('a never-scrubbed store is covered within scrubDays nights, not in one night', () => {
    const files = store(100);
    const first = planScrub({ files, state: new Map(), now: start, scrubDays: 10 });
    expect(first.slice).toHaveLength(10);
    expect(first.coverage).toMatchObject({ files: 100, filesCovered: 0, percent: 0 });
    const { lastRead } = simulate(files, 10, 10);
    expect(lastRead.size).toBe(100);
  });

  it('takes everything overdue even beyond the nightly share, and counts a hard-linked file once', () => {
    const files = store(10);
    const old = new Date(start.getTime() - 40 * DAY).toISOString();
    const state = new Map(files.map((f) => [f.key, { sha256: f.sha256, verifiedAt: old }]));
    const linked = [...files, { ...files[0], snapshotId: '2026-01-02_020000' }];
    const plan = planScrub({ files: linked, state, now: start, scrubDays: 30 });
    expect(plan.slice).toHaveLength(10);
    expect(plan.overdue).toBe(10);
  });

  it('a mark for other content (a reused inode) does not count', () => {
    const [f] = store(1);
    const state = new Map([[f.key, { sha256: 'other', verifiedAt: start.toISOString() }]]);
    expect(scrubCoverage([f], state, start, 30)).toMatchObject({
      filesCovered: 0,
      oldest: { path: 'F0', verifiedAt: null },
    });
  });
});

describe('scrubCoverage and markScrubbed', () => {
  it('reports coverage by bytes and the oldest file', () => {
    const files = store(4, (i) => (i + 1) * 100);
    const state = new Map<string, ScrubMark>([
      ['1:0', { sha256: 'h0', verifiedAt: new Date(start.getTime() - 40 * DAY).toISOString() }],
      ['1:1', { sha256: 'h1', verifiedAt: new Date(start.getTime() - 2 * DAY).toISOString() }],
      ['1:2', { sha256: 'h2', verifiedAt: new Date(start.getTime() - 29 * DAY).toISOString() }],
      ['1:3', { sha256: 'h3', verifiedAt: new Date(start.getTime() - 1 * DAY).toISOString() }],
    ]);
    const coverage = scrubCoverage(files, state, start, 30);
    expect(coverage).toMatchObject({ files: 4, bytes: 1000, filesCovered: 3, bytesCovered: 900, percent: 90 });
    expect(coverage.oldest).toEqual({
      snapshotId: '2026-01-01_020000',
      path: 'F0',
      verifiedAt: new Date(start.getTime() - 40 * DAY).toISOString(),
    });
    expect(scrubCoverage([], new Map(), start, 30)).toMatchObject({ percent: 100, oldest: null });
  });

  it('marks only intact files, unmarks damaged ones, and drops marks of files no longer kept', () => {
    const state = new Map<string, ScrubMark>([
      ['a', { sha256: 'x', verifiedAt: '2025-01-01T00:00:00.000Z' }],
      ['b', { sha256: 'y', verifiedAt: '2025-01-01T00:00:00.000Z' }],
      ['gone', { sha256: 'z', verifiedAt: '2025-01-01T00:00:00.000Z' }],
    ]);
    const next = markScrubbed(
      state,
      [
        { key: 'a', sha256: 'x', ok: true },
        { key: 'b', sha256: 'y', ok: false },
        { key: 'c', sha256: 'w', ok: true },
      ],
      start,
      new Set(['a', 'b', 'c']),
    );
    expect([...next.keys()].sort()).toEqual(['a', 'c']);
    expect(next.get('a')?.verifiedAt).toBe(start.toISOString());
    expect(state.get('b')).toBeDefined();
  });

  it('storedFileKey joins dev and inode, bigint or number', () => {
    expect(storedFileKey({ dev: 2049n, ino: 18446744073709551615n })).toBe('2049:18446744073709551615');
    expect(storedFileKey({ dev: 1, ino: 2 })).toBe('1:2');
  });
});
