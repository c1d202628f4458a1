import path from 'node:path';
import type { DatasetProfile } from './generate';
import { type DurableTimed, syncFs, warm } from './measure';
import type { OurCli } from './ours';
import type { Figure } from './report';
import type { measureOfflineWindow } from './offline';
import type { Trash } from './trash';
import { formatSeconds, median } from './units';

/** What every scenario gets, and the pieces they share. */

export const GROUPS = [
  'full',
  'incremental',
  'sweep',
  'verify',
  'restore',
  'memory',
  'kill',
  'offline',
  'offsite',
] as const;
export type GroupName = (typeof GROUPS)[number];

export interface BenchSettings {
  workDir: string;
  cli: OurCli;
  runs: number;
  scaleBytes: number;
  /** Data-set profiles of the scale figures, in order; the first also shapes the sweep and kill data. */
  profiles: readonly DatasetProfile[];
  /** Documents in the sweep variant (the 100,000-file sweep and memory figure). */
  sweepFiles: number;
  /** Files of the extra memory run ("flat up to 1,000,000 files"), null to skip it. */
  manyFiles: number | null;
  /** Size of the large file of the kill-under-contention figure. */
  killFileBytes: number;
  seed: number;
  haveRsync: boolean;
  /** null = every group. */
  only: ReadonlySet<GroupName> | null;
  /** How the offline window is measured (data size of the full-size runs), or why it cannot be. */
  offline: { measure: typeof measureOfflineWindow; dataBytes: number } | { unavailable: string };
  log: (line: string) => void;
  /** Where timed runs' outputs go instead of being deleted (see trash.ts). */
  trash: Trash;
}

/** What a scenario adds to the outcome. */
export interface Collected {
  figures: Figure[];
  notes: string[];
  raw: Record<string, unknown>;
}

export const wants = (s: BenchSettings, g: GroupName): boolean => s.only === null || s.only.has(g);
export const inWork = (s: BenchSettings, ...parts: string[]): string => path.join(s.workDir, ...parts);

/**
 * Right before a timed run writes into `dir`: its previous output set aside (not deleted), the disk flushed,
 * ext4 settled, and what the run `reads` read once more (warm), so every contender starts from the same page
 * cache. Reading it once per figure was not enough: the bench VM's kernel pages out file data that has sat for
 * about a minute (DAMON, `pageout` at an age of 60 s), and the trash's wait alone is 61 s (docs/bench.md).
 */
export async function freshOutput(s: BenchSettings, dir: string, reads: string): Promise<void> {
  s.trash.discard(dir);
  await syncFs(s.workDir);
  await s.trash.settle();
  await warm(reads);
}

export type Contender = () => Promise<void>;

/** Runs the contenders in a different order each run (run i starts with contender i mod n). */
export async function alternate(run: number, contenders: readonly Contender[]): Promise<void> {
  for (let k = 0; k < contenders.length; k++) await contenders[(run + k) % contenders.length]();
}

/** The note "tool X + sync Y (median)" of one contender, or nothing when it did not run. */
export function syncNote(label: string, timings: readonly DurableTimed[]): string[] {
  if (timings.length === 0) return [];
  return [
    `${label}: tool ${formatSeconds(median(timings.map((t) => t.toolSeconds)))} + sync ${formatSeconds(median(timings.map((t) => t.syncSeconds)))} (median).`,
  ];
}

/** A timed figure against a writing peer: judged on the synced times, the unsynced ones shown for reference. */
export function durableFigure(
  base: Omit<Figure, 'unit' | 'ours' | 'peer' | 'peerUnsynced'>,
  ours: readonly DurableTimed[],
  peer: readonly DurableTimed[],
): Figure {
  return {
    ...base,
    unit: 'seconds',
    ours: ours.map((t) => t.seconds),
    peer: peer.map((t) => t.seconds),
    peerUnsynced: peer.map((t) => t.toolSeconds),
  };
}

export function notMeasured(
  id: string,
  title: string,
  reason: string,
  target: Figure['target'] = { kind: 'none' },
): Figure {
  return { id, title, unit: 'seconds', ours: [], peer: null, peerLabel: '', target, notMeasured: reason };
}

export function peakRss(timings: ReadonlyArray<{ peakRssBytes: number | null }>): number | null {
  const values = timings.map((t) => t.peakRssBytes).filter((v): v is number => v !== null);
  return values.length > 0 ? Math.max(...values) : null;
}
