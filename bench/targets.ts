import type { Target } from './report';

/**
 * The targets of issue 17 ("Performance at the disk's pace"), judged by the bench on medians of paired
 * runs; never asserted by tests. Ratios are ours ÷ peer, every writer timed until `sync -f` returns.
 */

/** Decimal megabytes, as the issue writes them. */
export const MB = 1e6;

export const TARGETS = {
  fullVsCp: { kind: 'ratioAtMost', value: 1.1 },
  fullVsRsync: { kind: 'ratioAtMost', value: 0.8 },
  incrementalVsRsyncLinkDest: { kind: 'ratioAtMost', value: 0.8 },
  restoreVsCp: { kind: 'ratioAtMost', value: 1.1 },
  /** Time, not throughput: ours takes at most 0.44 of sha256sum's time. */
  verifyVsSha256sum: { kind: 'ratioAtMost', value: 0.44 },
  sweepVsRsyncLinkDest: { kind: 'ratioAtMost', value: 0.8 },
  peakRss: { kind: 'absoluteMax', value: 100 * MB, label: '100 MB (95.4 MiB)' },
  /** "Flat up to 1,000,000 files": peak RSS at --many-files within 10 % of the figure at the sweep's count. */
  peakRssFlat: { kind: 'ratioAtMost', value: 1.1 },
  killCopiedAgain: { kind: 'absoluteMax', value: 256 * 1024 ** 2, label: '256 MiB' },
} as const satisfies Record<string, Target>;
