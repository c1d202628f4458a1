import { describe, expect, it } from 'vitest';
import { recentRuns } from '../../../../src/cli/commands/status';
import type { HistoryRun } from '../../../../src/report/model';
import type { LastRun } from '../../../../src/state/last-run';

const storeRun = (
  startedAt: string,
  mode: HistoryRun['mode'],
  result: HistoryRun['result'] = 'success',
): HistoryRun => ({
  snapshotId: `id-${startedAt}`,
  result,
  startedAt,
  endedAt: startedAt,
  durationSeconds: 1,
  mode,
  source: '/src',
  filesTotal: 1,
  filesCopied: 1,
  filesLinked: 0,
  bytesTotal: 1,
  bytesCopied: 1,
  offlineSeconds: mode === 'no-lockout' ? null : 2,
  lockoutSteps: [],
  resumed: false,
  warnings: [],
  errors: [],
});

const last = (command: LastRun['command'], startedAt: string): LastRun => ({
  command,
  result: 'success',
  exitCode: 0,
  startedAt,
  endedAt: startedAt,
  mode: null,
  snapshotId: null,
  offlineSeconds: null,
  message: '',
  warnings: [],
});

describe('recentRuns', () => {
  it('every run, newest first: lockout and --no-lockout backups from the store, recover from the state folder', () => {
    const history = {
      snapshots: [],
      runs: [storeRun('2026-11-25T01:00:00Z', 'offline'), storeRun('2026-11-26T09:30:00Z', 'no-lockout')],
    };
    const runs = recentRuns(history, last('recover', '2026-11-26T07:00:00Z'));
    expect(runs.map((r) => r.command)).toEqual(['backup --no-lockout', 'recover', 'backup']);
  });

  it('a run in both the store and last-run.json is listed once; at most `limit` runs', () => {
    const history = { snapshots: [], runs: [storeRun('2026-11-25T01:00:00Z', 'vss')] };
    expect(recentRuns(history, last('backup', '2026-11-25T01:00:00Z'))).toHaveLength(1);
    const many = {
      snapshots: [],
      runs: Array.from({ length: 9 }, (_, i) => storeRun(`2026-11-1${i}T01:00:00Z`, 'vss')),
    };
    expect(recentRuns(many, null, 5).map((r) => r.startedAt)[0]).toBe('2026-11-18T01:00:00Z');
    expect(recentRuns(many, null, 5)).toHaveLength(5);
  });

  it("with the destination unreachable: the state folder's last run alone", () => {
    expect(recentRuns(null, last('restore-to-live', '2026-11-26T07:00:00Z')).map((r) => r.command)).toEqual([
      'restore-to-live',
    ]);
  });
});
