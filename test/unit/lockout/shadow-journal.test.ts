import { describe, expect, it } from 'vitest';
import type { ListedShadowCopy } from '../../../src/host/types';
import { LATE_SHADOW_WINDOW_MS, newShadowRecord, oursAmong } from '../../../src/lockout/shadow-journal';

const at = new Date('2026-12-04T02:00:00.000Z');
const shadow = (id: string, offsetMs: number): ListedShadowCopy => ({
  id,
  volume: 'C:\\',
  deviceObject: `\\\\?\\GLOBALROOT\\Device\\${id}`,
  createdAt: new Date(at.getTime() + offsetMs).toISOString(),
});

describe('oursAmong: which shadow copy is ours (issue 13 §4)', () => {
  it('with the ID known: only that one, whatever the others', () => {
    const record = { ...newShadowRecord('C:\\', ['{A}'], at), id: '{B}' };
    expect(oursAmong(record, [shadow('{A}', 0), shadow('{b}', 1000), shadow('{C}', 2000)]).map((s) => s.id)).toEqual([
      '{b}',
    ]);
  });

  it('without an ID (Create did not answer): only a new one created in the window after the request', () => {
    const record = newShadowRecord('C:\\', ['{OLD}'], at);
    const listed = [
      shadow('{OLD}', 10_000), // there before: never ours, whatever its time
      shadow('{EARLIER}', -3_600_000), // made long before the request
      shadow('{LATE}', 20_000), // completed after we gave up waiting
      shadow('{TOMORROW}', LATE_SHADOW_WINDOW_MS + 60_000), // long after: someone else's
    ];
    expect(oursAmong(record, listed).map((s) => s.id)).toEqual(['{LATE}']);
  });

  it('nothing new: nothing is ours', () => {
    expect(oursAmong(newShadowRecord('C:\\', ['{A}'], at), [shadow('{A}', 0)])).toEqual([]);
  });
});
