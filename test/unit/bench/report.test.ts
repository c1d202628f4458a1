import { describe, expect, it } from 'vitest';
import { type Figure, type ReportContext, judge, ratioOf, renderMarkdown } from '../../../bench/report';
import { formatBytes, median, parseBytes } from '../../../bench/units';

const MiB = 1024 ** 2;

function figure(over: Partial<Figure>): Figure {
  return {
    id: 'x',
    title: 'X',
    unit: 'seconds',
    ours: [10],
    peer: [10],
    peerLabel: 'cp -a',
    target: { kind: 'ratioAtMost', value: 2 },
    ...over,
  };
}

describe('units', () => {
  it('parses sizes people type and rejects the rest', () => {
    expect(parseBytes('512MiB')).toBe(512 * MiB);
    expect(parseBytes('2GiB')).toBe(2 * 1024 * MiB);
    expect(parseBytes('1.5g')).toBe(1.5e9);
    expect(parseBytes('100MB')).toBe(100e6);
    expect(parseBytes('4096')).toBe(4096);
    expect(() => parseBytes('3XB')).toThrow(/not a size/);
    expect(() => parseBytes('')).toThrow(/not a size/);
  });

  it('formats bytes and takes medians', () => {
    expect(formatBytes(512 * MiB)).toBe('512 MiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });
});

describe('judge', () => {
  it('uses the median of paired ratios, so one slow run of the machine does not decide', () => {
    // Run 2 was slow for both contenders: paired ratios are 1.0, 1.0, 1.1.
    expect(ratioOf([10, 30, 11], [10, 30, 10])).toBeCloseTo(1.0);
    expect(ratioOf([10, 20], [5])).toBeCloseTo(3);
  });

  it('judges time ratios (lower is better), with strict "faster than" targets', () => {
    expect(judge(figure({ ours: [19], peer: [10] })).verdict).toBe('met');
    expect(judge(figure({ ours: [21], peer: [10] })).verdict).toBe('not met');
    const faster = { kind: 'ratioAtMost', value: 1, strict: true } as const;
    expect(judge(figure({ ours: [10], peer: [10], target: faster })).verdict).toBe('not met');
    expect(judge(figure({ ours: [9], peer: [10], target: faster })).verdict).toBe('met');
    expect(judge(figure({ ours: [9], peer: [10], target: faster })).target).toBe('faster than peer (< 1.00x)');
  });

  it('judges throughput (higher is better) and absolute memory limits', () => {
    const rate = { unit: 'bytesPerSecond', target: { kind: 'ratioAtLeast', value: 0.9 } } as const;
    expect(judge(figure({ ...rate, ours: [95 * MiB], peer: [100 * MiB] })).verdict).toBe('met');
    expect(judge(figure({ ...rate, ours: [80 * MiB], peer: [100 * MiB] })).verdict).toBe('not met');
    const mem = { unit: 'bytes', peer: null, target: { kind: 'absoluteMax', value: 200 * MiB } } as const;
    expect(judge(figure({ ...mem, ours: [150 * MiB] }))).toMatchObject({ verdict: 'met', ours: '150 MiB', ratio: '—' });
    expect(judge(figure({ ...mem, ours: [250 * MiB] })).verdict).toBe('not met');
  });

  it('reports figures that could not be measured as such, never as met', () => {
    const row = judge(figure({ ours: [], peer: null, notMeasured: 'no cycle yet' }));
    expect(row).toMatchObject({ verdict: 'not measured', ours: '—', ratioValue: null });
  });
});

describe('renderMarkdown', () => {
  it('prints the machine, one table row per figure and the reasons for unmeasured ones', () => {
    const context: ReportContext = {
      when: '2026-11-26T05:00:00Z',
      machine: {
        cpuModel: 'Test CPU',
        cores: 2,
        memoryBytes: 8 * 1024 * MiB,
        diskFreeBytes: 50 * 1024 * MiB,
        filesystem: 'ext2/ext3',
        node: 'v20.20.2',
        os: 'Linux 6',
        rsync: 'rsync 3.2.7',
      },
      scaleBytes: 512 * MiB,
      manyFiles: 100_000,
      offlineBytes: null,
      runs: 3,
      seed: 1,
      notes: ['warm cache'],
    };
    const md = renderMarkdown(
      [
        figure({ title: 'Full backup', ours: [12], peer: [10] }),
        figure({ title: 'Offline', ours: [], notMeasured: 'no cycle yet' }),
      ],
      context,
    );
    expect(md).toContain('Test CPU, 2 cores, 8.0 GiB RAM, 50.0 GiB free (ext2/ext3), Node v20.20.2');
    expect(md).toContain('| Full backup | 12.00 s | 10.00 s (cp -a) | 1.20x | ≤ 2.00x peer | met |');
    expect(md).toContain('| Offline | — | — | — | ≤ 2.00x peer | not measured |');
    expect(md).toContain('- Offline: not measured — no cycle yet');
    expect(md).toContain(
      'Data (seed 1): AVImark-shaped tree of 512 MiB; sweep variant with 100,000 documents. Median of 3 run(s)',
    );
    const offlineOnly = renderMarkdown([], { ...context, scaleBytes: null, manyFiles: null, offlineBytes: 128 * MiB });
    expect(offlineOnly).toContain('Data (seed 1): offline-window runs on 128 MiB.');
  });
});
