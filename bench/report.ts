import { formatBytes, formatRate, formatSeconds, median } from './units';

/**
 * The benchmark's figures and targets as plain data, and the Markdown table they render to.
 * Pure: run.ts measures, this file judges and prints.
 */

export type Unit = 'seconds' | 'bytesPerSecond' | 'bytes';

/**
 * How the ratio ours ÷ peer is judged. Times: lower is better (ratio ≤ max). Rates: higher is
 * better (ratio ≥ min). `absoluteMax` judges ours alone (peak memory).
 */
export type Target =
  | { kind: 'ratioAtMost'; value: number; strict?: boolean }
  | { kind: 'ratioAtLeast'; value: number }
  | { kind: 'absoluteMax'; value: number; label?: string }
  | { kind: 'none' };

export interface Figure {
  id: string;
  title: string;
  unit: Unit;
  /** One value per run. */
  ours: number[];
  /** One value per run, measured alternately with ours on the same data; null when there is no peer. */
  peer: number[] | null;
  /**
   * The peer's times without the final `sync -f` of what it wrote (tool time only), per run: shown for
   * reference beside the judged, synced ones.
   */
  peerUnsynced?: number[];
  peerLabel: string;
  target: Target;
  /** Set instead of values when the figure could not be measured (and why). */
  notMeasured?: string;
  note?: string;
}

export type Verdict = 'met' | 'not met' | 'n/a' | 'not measured';

export interface Row {
  id: string;
  figure: string;
  ours: string;
  peer: string;
  ratio: string;
  target: string;
  verdict: Verdict;
  /** The ratio as a number (null when there is none), for the JSON. */
  ratioValue: number | null;
}

/**
 * Ours ÷ peer: the median of the per-run ratios when both were measured in pairs (robust to a
 * machine that speeds up or slows down between runs), else the ratio of the medians.
 */
export function ratioOf(ours: readonly number[], peer: readonly number[]): number {
  if (ours.length === peer.length && ours.length > 0) return median(ours.map((o, i) => o / peer[i]));
  return median(ours) / median(peer);
}

export function format(unit: Unit, value: number): string {
  switch (unit) {
    case 'seconds':
      return formatSeconds(value);
    case 'bytesPerSecond':
      return formatRate(value);
    case 'bytes':
      return formatBytes(value);
  }
}

export function targetText(target: Target, unit: Unit): string {
  switch (target.kind) {
    case 'ratioAtMost':
      return target.value === 1 && target.strict ? 'faster than peer (< 1.00x)' : `≤ ${target.value.toFixed(2)}x peer`;
    case 'ratioAtLeast':
      return `≥ ${target.value.toFixed(2)}x peer`;
    case 'absoluteMax':
      return `≤ ${target.label ?? format(unit, target.value)}`;
    case 'none':
      return 'reported';
  }
}

/** A ratio on the target itself (11 / 10 is 1.1000000000000001 in floating point) meets it. */
const RATIO_EPSILON = 1e-9;

export function judge(figure: Figure): Row {
  const base = { id: figure.id, figure: figure.title, target: targetText(figure.target, figure.unit) };
  if (figure.notMeasured !== undefined || figure.ours.length === 0) {
    return { ...base, ours: '—', peer: '—', ratio: '—', verdict: 'not measured', ratioValue: null };
  }
  const ours = median(figure.ours);
  const peerValues = figure.peer && figure.peer.length > 0 ? figure.peer : null;
  const ratio = peerValues ? ratioOf(figure.ours, peerValues) : null;
  const peer = peerValues
    ? `${format(figure.unit, median(peerValues))} (${figure.peerLabel})`
    : figure.peerLabel || '—';
  let verdict: Verdict;
  const t = figure.target;
  if (t.kind === 'absoluteMax') verdict = ours <= t.value ? 'met' : 'not met';
  else if (t.kind === 'none' || ratio === null) verdict = 'n/a';
  else if (t.kind === 'ratioAtMost')
    verdict = (t.strict ? ratio < t.value : ratio <= t.value + RATIO_EPSILON) ? 'met' : 'not met';
  else verdict = ratio >= t.value - RATIO_EPSILON ? 'met' : 'not met';
  return {
    ...base,
    ours: format(figure.unit, ours),
    peer,
    ratio: ratio === null ? '—' : `${ratio.toFixed(2)}x`,
    verdict,
    ratioValue: ratio,
  };
}

export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  diskFreeBytes: number | null;
  filesystem: string | null;
  node: string;
  os: string;
  rsync: string | null;
}

export interface ReportContext {
  when: string;
  machine: MachineDescription;
  /** Size of the main data set, null when no figure used it. */
  scaleBytes: number | null;
  /** Documents in the sweep variant, null when it was not generated. */
  manyFiles: number | null;
  /** Data size of the offline-window runs, null when they did not run. */
  offlineBytes: number | null;
  runs: number;
  seed: number;
  notes: string[];
  /** Profiles of the scale data sets (docs/bench.md), when more than the single default tree. */
  profiles?: string[];
  /** Files of the extra memory run (--many-files), null or absent when it did not run. */
  manyFilesMemory?: number | null;
  /** Size of the large file of the kill figure, null or absent when it did not run. */
  killFileBytes?: number | null;
}

export function renderMarkdown(figures: readonly Figure[], context: ReportContext): string {
  const rows = figures.map(judge);
  const m = context.machine;
  const lines = [
    `## Benchmark results (${context.when})`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${formatBytes(m.memoryBytes)} RAM, ` +
      `${m.diskFreeBytes === null ? 'disk free unknown' : `${formatBytes(m.diskFreeBytes)} free`}` +
      `${m.filesystem ? ` (${m.filesystem})` : ''}, Node ${m.node}, ${m.os}${m.rsync ? `, ${m.rsync}` : ''}.`,
    `Data (seed ${context.seed}): ${dataSets(context).join('; ')}. Median of ${context.runs} run(s); ours and peers run alternately.`,
    '',
    '| Figure | Ours | Peer | Ratio | Target | Met? |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.ours} | ${r.peer} | ${r.ratio} | ${r.target} | ${r.verdict} |`),
    '',
    ...unsyncedTable(figures),
  ];
  const notes = [
    'Ratio = ours ÷ peer (median of the per-run ratios): below 1 means ours is faster for times; above 1 means ours is faster for throughput.',
    ...figures.filter((f) => f.notMeasured).map((f) => `${f.title}: not measured — ${f.notMeasured}`),
    ...figures.filter((f) => f.note && f.notMeasured === undefined).map((f) => `${f.title}: ${f.note}`),
    ...context.notes,
  ];
  lines.push(...notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** Ratio of ours to the peer's unsynced times (tool time only), paired like the judged ratio. */
export interface UnsyncedRow {
  figure: string;
  ours: string;
  peer: string;
  ratio: string;
}

export function unsyncedRows(figures: readonly Figure[]): UnsyncedRow[] {
  return figures
    .filter((f) => f.notMeasured === undefined && f.ours.length > 0 && f.peerUnsynced && f.peerUnsynced.length > 0)
    .map((f) => {
      const peer = f.peerUnsynced ?? [];
      return {
        figure: f.title,
        ours: format(f.unit, median(f.ours)),
        peer: `${format(f.unit, median(peer))} (${f.peerLabel}, not flushed)`,
        ratio: `${ratioOf(f.ours, peer).toFixed(2)}x`,
      };
    });
}

function unsyncedTable(figures: readonly Figure[]): string[] {
  const rows = unsyncedRows(figures);
  if (rows.length === 0) return [];
  return [
    'Reference, not judged: the same runs against the peers without their final `sync -f` (their data may still be in the page cache; ours is always flushed).',
    '',
    '| Figure | Ours (flushed) | Peer, unsynced | Ratio |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.ours} | ${r.peer} | ${r.ratio} |`),
    '',
  ];
}

function dataSets(context: ReportContext): string[] {
  const sets: string[] = [];
  if (context.scaleBytes !== null) {
    const profiles =
      context.profiles && context.profiles.length > 0 ? ` (profiles: ${context.profiles.join(', ')})` : '';
    sets.push(`AVImark-shaped tree of ${formatBytes(context.scaleBytes)}${profiles}`);
  }
  if (context.manyFiles !== null)
    sets.push(`sweep variant with ${context.manyFiles.toLocaleString('en-US')} documents`);
  if (context.manyFilesMemory != null)
    sets.push(`memory run with ${context.manyFilesMemory.toLocaleString('en-US')} documents`);
  if (context.killFileBytes != null) sets.push(`kill run on a ${formatBytes(context.killFileBytes)} file`);
  if (context.offlineBytes !== null) sets.push(`offline-window runs on ${formatBytes(context.offlineBytes)}`);
  return sets.length > 0 ? sets : ['none'];
}
