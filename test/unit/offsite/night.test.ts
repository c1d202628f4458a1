import { describe, expect, it } from 'vitest';
import { offsiteSchema } from '../../../src/config/schema';
import { nightsBetween, skipReason } from '../../../src/offsite/night';
import { EMPTY_STATE } from '../../../src/offsite/status';

describe('plans', () => {
  it('everyNights counts calendar nights', () => {
    expect(nightsBetween(new Date(2026, 10, 25, 23, 0), new Date(2026, 10, 26, 1, 0))).toBe(1);
    const offsite = offsiteSchema.parse({ restic: '/r', repository: 'x', passwordFile: '/p', everyNights: 3 });
    const state = {
      ...EMPTY_STATE,
      lastPush: { snapshotId: 'S', resticSnapshotId: 'r', at: new Date(2026, 10, 25, 2).toISOString(), bytesAdded: 0 },
    };
    expect(skipReason(offsite, state, new Date(2026, 10, 27, 2))).toMatch(/every 3 nights/);
    expect(skipReason(offsite, state, new Date(2026, 10, 28, 2))).toBeNull();
    expect(skipReason(null, state, new Date())).toMatch(/no offsite/);
  });
});
