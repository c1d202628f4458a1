import { describe, expect, it } from 'vitest';
import type { DurableTimed } from '../../../bench/measure';
import { type Figure, type ReportContext, judge, ratioOf, renderMarkdown, unsyncedRows } from '../../../bench/report';
import { durableFigure } from '../../../bench/scenario-common';
import { TARGETS } from '../../../bench/targets';
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

describe('issue 17 targets', () => {
  it('judges each figure against the issue’s target, times lower-is-better', () => {
    const at = (target: Figure['target'], ours: number, peer: number) =>
      judge(figure({ target, ours: [ours], peer: [peer] })).verdict;
    expect(at(TARGETS.fullVsCp, 11, 10)).toBe('met');
    expect(at(TARGETS.fullVsCp, 11.2, 10)).toBe('not met');
    expect(at(TARGETS.fullVsRsync, 8, 10)).toBe('met');
    expect(at(TARGETS.fullVsRsync, 9.1, 10)).toBe('not met');
    expect(at(TARGETS.incrementalVsRsyncLinkDest, 11.8, 10)).toBe('not met');
    expect(at(TARGETS.restoreVsCp, 17.7, 10)).toBe('not met');
    expect(at(TARGETS.sweepVsRsyncLinkDest, 12.1, 10)).toBe('not met');
    expect(at(TARGETS.verifyVsSha256sum, 4.4, 10)).toBe('met');
    expect(at(TARGETS.verifyVsSha256sum, 4.6, 10)).toBe('not met');
    expect(judge(figure({ target: TARGETS.fullVsCp })).target).toBe('≤ 1.10x peer');
  });

  it('judges memory and the kill figure as absolute limits, inclusive', () => {
    const abs = (target: Figure['target'], ours: number) =>
      judge(figure({ unit: 'bytes', peer: null, target, ours: [ours] }));
    expect(abs(TARGETS.peakRss, 100e6).verdict).toBe('met');
    expect(abs(TARGETS.peakRss, 190 * MiB)).toMatchObject({ verdict: 'not met', target: '≤ 100 MB (95.4 MiB)' });
    expect(abs(TARGETS.killCopiedAgain, 256 * MiB).verdict).toBe('met');
    expect(abs(TARGETS.killCopiedAgain, 0.9 * 1024 * MiB).verdict).toBe('not met');
    const flat = judge(figure({ unit: 'bytes', ours: [99 * MiB], peer: [90 * MiB], target: TARGETS.peakRssFlat }));
    expect(flat).toMatchObject({ verdict: 'met', ratio: '1.10x' });
  });
});

describe('synced and unsynced peers', () => {
  const timed = (tool: number, sync: number): DurableTimed => ({
    seconds: tool + sync,
    toolSeconds: tool,
    syncSeconds: sync,
    peakRssBytes: null,
    stdout: '',
    stderr: '',
  });

  it('judges on the synced times and shows the unsynced ones for reference', () => {
    const f = durableFigure(
      { id: 'full', title: 'Full backup, 2.0 GiB avimark', peerLabel: 'cp -a', target: TARGETS.fullVsCp },
      [timed(10, 0.1), timed(12, 0.1)],
      [timed(6, 4), timed(7, 5)],
    );
    expect(f.peer).toEqual([10, 12]);
    expect(f.peerUnsynced).toEqual([6, 7]);
    expect(judge(f)).toMatchObject({ verdict: 'met', ratio: '1.01x' });
    expect(unsyncedRows([f])).toEqual([
      { figure: 'Full backup, 2.0 GiB avimark', ours: '11.10 s', peer: '6.50 s (cp -a, not flushed)', ratio: '1.71x' },
    ]);
  });

  it('renders the reference table only when some figure has unsynced times, and names the profiles', () => {
    const context: ReportContext = {
      when: '2026-11-26T05:00:00Z',
      machine: {
        cpuModel: 'CPU',
        cores: 2,
        memoryBytes: MiB,
        diskFreeBytes: null,
        filesystem: null,
        node: 'v20',
        os: 'Linux',
        rsync: null,
      },
      scaleBytes: 512 * MiB,
      manyFiles: 5000,
      offlineBytes: null,
      runs: 1,
      seed: 1,
      notes: [],
      profiles: ['avimark', 'uniform'],
      manyFilesMemory: 1_000_000,
      killFileBytes: 256 * MiB,
    };
    const plain = renderMarkdown([figure({})], context);
    expect(plain).not.toContain('Peer, unsynced');
    expect(plain).toContain(
      'AVImark-shaped tree of 512 MiB (profiles: avimark, uniform); sweep variant with 5,000 documents; memory run with 1,000,000 documents; kill run on a 256 MiB file.',
    );
    const md = renderMarkdown([figure({ title: 'Restore', ours: [12], peer: [10], peerUnsynced: [5] })], context);
    expect(md).toContain('| Figure | Ours (flushed) | Peer, unsynced | Ratio |');
    expect(md).toContain('| Restore | 12.00 s | 5.00 s (cp -a, not flushed) | 2.40x |');
  });
});
