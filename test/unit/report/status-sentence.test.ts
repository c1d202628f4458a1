import { describe, expect, it } from 'vitest';
import type { SnapshotHistory, StoreHistory } from '../../../src/report/model';
import { backupStatus, statusSentence } from '../../../src/report/status-sentence';
import { dayOnlyWords, whenWords } from '../../../src/report/when';
import type { DrillRecord, RunRecord, VerifyRecord } from '../../../src/store/types';

const tz = 'UTC';
// Thursday 26 Nov 2026, 08:30 UTC.
const now = new Date('2026-11-26T08:30:00Z');

function run(id: string, startedAt: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    snapshotId: id,
    result: 'success',
    startedAt,
    endedAt: startedAt,
    durationSeconds: 100,
    mode: 'offline',
    source: 'C:\\AVImark',
    filesTotal: 10,
    filesCopied: 2,
    filesLinked: 8,
    bytesTotal: 1000,
    bytesCopied: 200,
    offlineSeconds: 60,
    lockoutSteps: [],
    resumed: false,
    warnings: [],
    errors: [],
    ...over,
  };
}
const verified = (id: string, ok = true, samplePercent = 100): VerifyRecord => ({
  snapshotId: id,
  verifiedAt: '2026-11-26T02:30:00Z',
  samplePercent,
  filesChecked: 10,
  ok,
  missing: [],
  extra: [],
  damaged: ok ? [] : ['CLIENT.V2$'],
});
const drilled = (id: string, drilledAt: string, ok = true): DrillRecord => ({
  snapshotId: id,
  drilledAt,
  ok,
  durationSeconds: 30,
  filesChecked: 10,
  problems: ok ? [] : ['damaged: CLIENT.V2$'],
  command: null,
  commandExitCode: null,
});
function snap(
  id: string,
  startedAt: string,
  verify: VerifyRecord | null = null,
  drill: DrillRecord | null = null,
): SnapshotHistory {
  return { id, run: run(id, startedAt), verify, drill };
}
function history(snapshots: SnapshotHistory[], extraRuns: RunRecord[] = []): StoreHistory {
  const runs = [...snapshots.map((s) => s.run as RunRecord), ...extraRuns].sort(
    (a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt),
  );
  return { snapshots, runs };
}

describe('day words', () => {
  it.each([
    ['2026-11-26T02:14:00Z', 'last night 02:14'],
    ['2026-11-25T23:30:00Z', 'last night 23:30'],
    ['2026-11-25T14:05:00Z', 'yesterday 14:05'],
    ['2026-11-26T07:00:00Z', 'today 07:00'],
    ['2026-11-24T02:10:00Z', 'Tuesday 02:10'],
    ['2026-11-20T02:10:00Z', 'Friday 02:10'],
    ['2026-11-14T02:10:00Z', '14 Nov 02:10'],
    ['2025-12-30T02:10:00Z', '30 Dec 2025 02:10'],
  ])('%s reads as "%s" on Thursday morning', (at, words) => {
    expect(whenWords(new Date(at), now, tz)).toBe(words);
  });

  it('says "early this morning" for a night backup read in the afternoon', () => {
    expect(whenWords(new Date('2026-11-26T02:14:00Z'), new Date('2026-11-26T15:00:00Z'), tz)).toBe(
      'early this morning 02:14',
    );
  });

  it('says "today" for a backup read during the same night', () => {
    expect(whenWords(new Date('2026-11-26T02:14:00Z'), new Date('2026-11-26T05:20:00Z'), tz)).toBe('today 02:14');
  });

  it('uses the given time zone for the day boundary', () => {
    // 23:30 UTC on the 25th is 00:30 on the 26th in Berlin: same night, after midnight.
    expect(whenWords(new Date('2026-11-25T23:30:00Z'), now, 'Europe/Berlin')).toBe('last night 00:30');
    expect(whenWords(new Date('2026-11-26T02:14:00Z'), now, 'America/Chicago')).toBe('last night 20:14');
  });

  it('names only the day for drills', () => {
    expect(dayOnlyWords(new Date('2026-11-22T03:00:00Z'), now, tz)).toBe('Sunday');
    expect(dayOnlyWords(new Date('2026-11-26T03:00:00Z'), now, tz)).toBe('today');
    expect(dayOnlyWords(new Date('2026-11-25T03:00:00Z'), now, tz)).toBe('yesterday');
    expect(dayOnlyWords(new Date('2026-11-02T03:00:00Z'), now, tz)).toBe('on 2 Nov');
  });
});

describe('statusSentence', () => {
  const A = '2026-11-24_021000';
  const B = '2026-11-26_021400';

  it('says when the last good backup was, that it was verified and when the drill passed', () => {
    const h = history([
      snap(A, '2026-11-24T02:10:00Z', verified(A), drilled(A, '2026-11-22T03:00:00Z')),
      snap(B, '2026-11-26T02:14:00Z', verified(B)),
    ]);
    expect(statusSentence(h, { now, timeZone: tz })).toBe(
      'Last good backup: last night 02:14, verified, drill passed Sunday.',
    );
    expect(backupStatus(h, { now, timeZone: tz }).level).toBe('ok');
  });

  it('says when a failed run is the latest, with its reason and the last good backup', () => {
    const failed = run('2026-11-26_021400', '2026-11-26T02:14:00Z', {
      result: 'failed',
      errors: ['the destination disk is full (ENOSPC).\nmore detail'],
    });
    const h = history([snap(A, '2026-11-24T02:10:00Z', verified(A))], [failed]);
    const status = backupStatus(h, { now, timeZone: tz });
    expect(status.sentence).toBe(
      'The last backup FAILED last night at 02:14: the destination disk is full (ENOSPC). more detail. The last good backup is from Tuesday 02:10, verified.',
    );
    expect(status.level).toBe('failed');
  });

  it('says when the last run was interrupted and there is no good backup at all', () => {
    const h = history([], [run('2026-11-26_021400', '2026-11-26T02:14:00Z', { result: 'interrupted', errors: [] })]);
    expect(statusSentence(h, { now, timeZone: tz })).toBe(
      'The last backup was INTERRUPTED last night at 02:14: no reason was recorded (see the log). There is no good backup yet.',
    );
  });

  it('ignores a failure that was followed by a good backup', () => {
    const failed = run('2026-11-25_021000', '2026-11-25T02:10:00Z', { result: 'failed', errors: ['boom'] });
    const h = history([snap(B, '2026-11-26T02:14:00Z', verified(B, true, 5))], [failed]);
    expect(statusSentence(h, { now, timeZone: tz })).toBe(
      'Last good backup: last night 02:14, spot-checked, no restore drill yet.',
    );
    expect(backupStatus(h, { now, timeZone: tz }).level).toBe('attention');
  });

  it('calls out damage found by verification or a failed drill', () => {
    const h = history([snap(B, '2026-11-26T02:14:00Z', verified(B, false), drilled(B, '2026-11-26T03:00:00Z', false))]);
    const status = backupStatus(h, { now, timeZone: tz });
    expect(status.sentence).toBe(
      'Last good backup: last night 02:14, but verification FOUND DAMAGE, restore drill FAILED today.',
    );
    expect(status.level).toBe('failed');
  });

  it('warns when the last good backup is old and nothing ran since', () => {
    const h = history([snap(A, '2026-11-22T02:10:00Z', verified(A))]);
    const status = backupStatus(h, { now, timeZone: tz });
    expect(status.sentence).toBe(
      'Last good backup: Sunday 02:10 (4 days ago, no backup since), verified, no restore drill yet.',
    );
    expect(status.level).toBe('attention');
  });

  it('reads well with dates more than a week old', () => {
    const failed = run('2026-11-20_021000', '2026-11-20T02:10:00Z', { result: 'failed', errors: ['EBUSY'] });
    const h = history([snap(A, '2026-11-02T02:19:00Z', null, drilled(A, '2026-11-02T05:00:00Z'))], [failed]);
    expect(statusSentence(h, { now, timeZone: tz })).toBe(
      'The last backup FAILED Friday at 02:10: EBUSY. The last good backup is from 2 Nov 02:19.',
    );
    expect(statusSentence(history([h.snapshots[0]]), { now, timeZone: tz })).toBe(
      'Last good backup: 2 Nov 02:19 (24 days ago, no backup since), not verified yet, drill passed on 2 Nov.',
    );
  });

  it('says so when there is nothing yet', () => {
    expect(statusSentence({ snapshots: [], runs: [] }, { now, timeZone: tz })).toBe('No backup has been made yet.');
  });

  it('shortens a very long reason', () => {
    const failed = run('2026-11-26_021400', '2026-11-26T02:14:00Z', { result: 'failed', errors: ['x'.repeat(500)] });
    const sentence = statusSentence(history([], [failed]), { now, timeZone: tz });
    expect(sentence.length).toBeLessThan(260);
    expect(sentence).toContain('…');
  });
});
