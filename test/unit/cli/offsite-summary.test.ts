import { describe, expect, it } from 'vitest';
import { offsiteStatusLines, renderOffsiteNight } from '../../../src/cli/offsite-summary';
import { EMPTY_STATE, offsiteStatus } from '../../../src/offsite/status';

describe('offsite in the night summary, status and list', () => {
  it('a failed offsite copy is a warning of a good night, in words the alerts repeat', () => {
    const r = renderOffsiteNight({
      status: 'failed',
      message: 'offsite copy failed: the repository cannot be reached',
      summary: { bytesAdded: null, alert: null },
    });
    expect(r.warning).toBe('local backup OK, offsite copy failed: the repository cannot be reached');
    expect(r.json).toMatchObject({
      status: 'failed',
      message: 'offsite copy failed: the repository cannot be reached',
    });
    expect(r.lines[0]).toMatch(/offsite: +offsite copy failed/);
  });

  it('an overdue copy warns even when tonight was skipped; a good push does not warn', () => {
    const skipped = renderOffsiteNight({
      status: 'skipped',
      message: 'offsite copy skipped: every 3 nights',
      summary: { alert: 'the newest offsite copy (S) is 5 days old (offsite.maxAgeDays is 3)' },
    });
    expect(skipped.warning).toMatch(/^local backup OK, offsite copy overdue: the newest offsite copy/);
    const good = renderOffsiteNight({ status: 'ok', message: 'offsite copy of S OK', summary: { bytesAdded: 2048 } });
    expect(good.warning).toBeNull();
    // restic before 0.17 counts the new data before compression only; 0.17+ also as stored.
    expect(good.lines.join('\n')).toMatch(/2\.0 KiB of new data for the repository \(before compression\)/);
    const packed = renderOffsiteNight({
      status: 'ok',
      message: 'ok',
      summary: { bytesAdded: 4096, bytesStored: 1024 },
    });
    expect(packed.lines.join('\n')).toMatch(/1\.0 KiB added to the repository \(4\.0 KiB before compression\)/);
    expect(packed.json).toMatchObject({ bytesAdded: 4096, bytesStored: 1024 });
    expect(renderOffsiteNight(null)).toEqual({ lines: [], json: null, warning: null });
  });

  it('status lines: age of the newest copy, the last check, the alert', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const state = {
      ...EMPTY_STATE,
      lastPush: { snapshotId: 'S', resticSnapshotId: 'abcdef0123', at: '2026-11-26T12:00:00Z', bytesAdded: 1 },
      lastCheck: { at: '2026-11-29T12:00:00Z', ok: true, subset: '1/30', message: '' },
    };
    expect(offsiteStatusLines(offsiteStatus(state, 3, now))).toEqual([
      'Newest offsite copy: S, 4 day(s) old (restic abcdef01)',
      'Last offsite check: 1 day(s) ago, 1/30 of the data: OK',
      'OFFSITE ALERT: the newest offsite copy (S) is 4 days old (offsite.maxAgeDays is 3)',
    ]);
    expect(offsiteStatusLines(null)).toEqual([]);
  });
});

describe('the offsite block of the HTML report', () => {
  it('shows the age and the alert, escaped, and nothing when offsite is not configured', async () => {
    const { renderReport } = await import('../../../src/report/html');
    const base = {
      status: { sentence: 'Last good backup: today.', level: 'ok' as const },
      generatedAt: new Date('2026-11-30T12:00:00Z'),
      destination: '/dest',
      version: 'test',
      runs: [],
      snapshots: [],
      space: null,
    };
    const lines = offsiteStatusLines(offsiteStatus(EMPTY_STATE, 3, new Date('2026-11-30T12:00:00Z')));
    const html = renderReport({ ...base, offsite: { lines: [...lines, '<b>'], attention: true } });
    expect(html).toMatch(/<p id="offsite" class="status attention">Newest offsite copy: none yet<br>/);
    expect(html).toContain('OFFSITE ALERT: there is no offsite copy yet');
    expect(html).toContain('&#60;b&#62;');
    expect(renderReport(base)).not.toContain('id="offsite"');
  });
});
