import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, offsiteStatus } from '../../../src/offsite/status';

describe('plans', () => {
  it('status gives the age of the newest copy and alerts past maxAgeDays', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    expect(offsiteStatus(EMPTY_STATE, 3, now).alert).toMatch(/no offsite copy yet/);
    const state = {
      ...EMPTY_STATE,
      lastPush: { snapshotId: 'S', resticSnapshotId: 'r', at: '2026-11-26T12:00:00Z', bytesAdded: 1 },
      lastCheck: { at: '2026-11-29T12:00:00Z', ok: true, subset: '1/30', message: '' },
    };
    const status = offsiteStatus(state, 3, now);
    expect(status.newestCopy?.ageDays).toBe(4);
    expect(status.lastCheck?.ageDays).toBe(1);
    expect(status.alert).toMatch(/4 days old/);
    expect(offsiteStatus(state, 5, now).alert).toBeNull();
  });
});
