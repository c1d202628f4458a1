import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors';
import { parseSnapshots } from '../../../src/offsite/json';
import { findOffsiteSnapshot, pushTags, snapshotIdOf, sourceOf } from '../../../src/offsite/list';

describe('restic JSON', () => {
  it('snapshots sort oldest first; our IDs and sources come from the tags', () => {
    const snaps = parseSnapshots(
      JSON.stringify([
        { id: 'b'.repeat(64), time: '2026-11-26T02:00:00Z', hostname: 'H', tags: pushTags('S2', 'C:\\A,B') },
        { id: 'a'.repeat(64), time: '2026-11-25T02:00:00Z', hostname: 'H', tags: pushTags('S1', null) },
      ]),
    );
    expect(snaps.map(snapshotIdOf)).toEqual(['S1', 'S2']);
    expect(sourceOf(snaps[1])).toBe('C:\\A,B');
    expect(findOffsiteSnapshot(snaps, 'latest').id).toBe('b'.repeat(64));
    expect(findOffsiteSnapshot(snaps, 'S1').id).toBe('a'.repeat(64));
    expect(findOffsiteSnapshot(snaps, 'bbbbbbbb').id).toBe('b'.repeat(64));
    expect(() => findOffsiteSnapshot(snaps, 'S9')).toThrow(UsageError);
    expect(() => findOffsiteSnapshot([], 'latest')).toThrow(/no offsite copies/);
  });
});
