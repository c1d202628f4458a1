import { describe, expect, it } from 'vitest';
import { bytes, duration, esc, renderReport, type ReportInput } from '../../../src/report/html';
import type { RunRecord } from '../../../src/store/types';

const evil = '<script>alert(1)</script>';

function run(i: number, over: Partial<RunRecord> = {}): RunRecord {
  const startedAt = new Date(Date.UTC(2026, 10, 10 + i, 2, 10)).toISOString();
  return {
    snapshotId: `2026-11-${10 + i}_021000`,
    result: 'success',
    startedAt,
    endedAt: startedAt,
    durationSeconds: 300 + i,
    mode: 'offline',
    source: 'C:\\AVImark',
    filesTotal: 100,
    filesCopied: 5,
    filesLinked: 95,
    bytesTotal: 20 * 1024 ** 3 + i * 10 * 1024 ** 2,
    bytesCopied: 300 * 1024 ** 2,
    offlineSeconds: 120 + i * 3,
    lockoutSteps: [],
    resumed: false,
    warnings: [],
    errors: [],
    ...over,
  };
}

function input(over: Partial<ReportInput> = {}): ReportInput {
  const runs = [run(1), run(2), run(3, { result: 'failed', errors: [`cannot read ${evil}`], offlineSeconds: 30 })];
  return {
    status: { sentence: `The last backup FAILED: cannot read ${evil}.`, level: 'failed' },
    generatedAt: new Date('2026-11-26T08:00:00Z'),
    destination: 'D:\\Backups\\"AVImark"',
    version: '1.2.3',
    runs,
    snapshots: [
      { id: '2026-11-11_021000', run: runs[0], verify: null, drill: null },
      {
        id: '2026-11-12_021000',
        run: runs[1],
        verify: {
          snapshotId: 'x',
          verifiedAt: '2026-11-12T03:00:00Z',
          samplePercent: 100,
          filesChecked: 3,
          ok: false,
          missing: [],
          extra: [],
          damaged: [evil],
        },
        drill: {
          snapshotId: 'x',
          drilledAt: '2026-11-15T03:00:00Z',
          ok: true,
          durationSeconds: 5,
          filesChecked: 3,
          problems: [],
          command: null,
          commandExitCode: null,
        },
      },
    ],
    space: {
      apparentBytes: 3000,
      storedBytes: 1000,
      files: 30,
      uniqueFiles: 10,
      volumeTotalBytes: 10_000,
      volumeFreeBytes: 4000,
    },
    ...over,
  };
}

describe('renderReport', () => {
  it('escapes every string from the data', () => {
    const html = renderReport(input());
    expect(html).not.toContain(evil);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('D:\\Backups\\&#34;AVImark&#34;');
  });

  it('is self-contained: no external references of any kind', () => {
    const html = renderReport(input());
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toContain("default-src 'none'");
  });

  it('has the sentence on top, one row per run (newest first) and one point per value in each chart', () => {
    const html = renderReport(input());
    expect(html.indexOf('id="status"')).toBeLessThan(html.indexOf('id="runs"'));
    const rows = html.match(/<tr class="run [a-z]+">/g) ?? [];
    expect(rows).toEqual(['<tr class="run failed">', '<tr class="run success">', '<tr class="run success">']);
    const offline = /<svg id="offline-chart"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(offline.match(/<circle class="point"/g)).toHaveLength(3);
    expect(offline).toContain('<title id="offline-chart-title">Offline window per night</title>');
    const size = /<svg id="size-chart"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    // The failed run has no backup size.
    expect(size.match(/<circle class="point"/g)).toHaveLength(2);
    expect(html).toContain('id="space-saved">2.0 KiB (67%)');
  });

  it('renders empty states instead of empty charts', () => {
    const html = renderReport(input({ runs: [], snapshots: [], space: null }));
    expect(html).toContain('No backup has run yet.');
    expect(html).toContain('No backup with a lockout has run yet.');
    expect(html).not.toContain('<svg');
  });
});

describe('formatting', () => {
  it('formats bytes and durations for people', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(20 * 1024 ** 3)).toBe('20.0 GiB');
    expect(duration(42)).toBe('42 s');
    expect(duration(125)).toBe('2 min 05 s');
    expect(duration(3 * 3600 + 61)).toBe('3 h 01 min');
    expect(esc(`a&b<c>"d'`)).toBe('a&#38;b&#60;c&#62;&#34;d&#39;');
  });
});
