import path from 'node:path';
import type { GuardConfig } from '../config/schema';
import type { CommitGuard, CommitVerdict, CommitView } from '../engine/backup';
import { RunFailedError } from '../errors';
import { fileBlockReader } from '../guard/block-reader';
import { ChangeTally, entriesNamed, nameStems } from '../guard/change-signals';
import { type SampleCandidate, sampleCompressibility } from '../guard/compressibility';
import { ransomExtensionSet } from '../guard/ransom-names';
import { assessRansomware } from '../guard/ransomware';
import { type TreeTotals, checkShrink, missingRequiredFiles, requiredPath } from '../guard/shrink';
import type { Logger } from '../log/logger';
import { compareSnapshotIds, manifestPath, snapshotDir } from '../store/layout';
import { ManifestFormatError, loadManifestIndex } from '../store/manifest';
import { listTrustedSnapshots } from '../store/snapshots';
import type { ManifestEntry, SnapshotId } from '../store/types';

/**
 * The snapshot guards of issue 14, consulted by the engine just before a commit (src/guard holds the pure
 * checks). The baseline is the newest TRUSTED snapshot older than this one (never a suspect one, or an
 * encrypted night would become the yardstick of the next):
 * - shrink: the file count or bytes fell by more than guard.maxShrinkPercent, or a file the drill requires
 *   (drill.requiredFiles) that the baseline had is gone → RunFailedError (exit 1), nothing committed or
 *   pruned, the partial kept; `--allow-shrink` accepts it once (a warning in the run record).
 * - ransomware: change signals over the manifests and a bounded compressibility sample → the snapshot is
 *   committed but marked suspect (the caller turns that into exit 5).
 */

export interface GuardSettings {
  guard: GuardConfig;
  drill: { requiredFiles: readonly string[] };
}

export interface SnapshotGuardOptions {
  /** `backup --allow-shrink`: a shrunken source is committed this once. */
  allowShrink: boolean;
  log: Logger;
  /** Windows: paths compare case-insensitively (default: on win32). */
  caseInsensitive?: boolean;
}

export interface Baseline {
  id: SnapshotId;
  index: ReadonlyMap<string, ManifestEntry>;
}

export function snapshotGuard(settings: GuardSettings, options: SnapshotGuardOptions): CommitGuard {
  const caseInsensitive = options.caseInsensitive ?? process.platform === 'win32';
  return async (view: CommitView): Promise<CommitVerdict> => {
    const warnings: string[] = [];
    const baseline = await loadBaseline(view, options.log, warnings);
    const shrink = checkShrink({
      previous: baseline ? totalsOf(baseline.index.values()) : null,
      current: totalsOf(view.entries),
      maxShrinkPercent: settings.guard.maxShrinkPercent,
      missingRequired: baseline ? goneRequired(settings.drill.requiredFiles, baseline, view, caseInsensitive) : [],
    });
    if (!shrink.ok) {
      if (!options.allowShrink) throw new RunFailedError(`snapshot ${view.id} was not committed: ${shrink.message}`);
      const accepted = `--allow-shrink accepted a shrunken source: ${shrink.problems.join('; ')}`;
      options.log.warn(accepted);
      warnings.push(accepted);
    }
    if (baseline === null) return { suspect: null, warnings };
    const suspect = await ransomwareCheck(settings.guard.ransomware, view, baseline, caseInsensitive);
    if (suspect) options.log.warn({ snapshot: view.id, reasons: suspect.reasons }, 'the snapshot looks suspect');
    return { suspect, warnings };
  };
}

/** The newest trusted snapshot older than `view.id`, with its manifest; null on the first backup. */
async function loadBaseline(view: CommitView, log: Logger, warnings: string[]): Promise<Baseline | null> {
  const older = (await listTrustedSnapshots(view.dest, view.fs)).filter((s) => compareSnapshotIds(s.id, view.id) < 0);
  const id = older.at(-1)?.id;
  if (id === undefined) return null;
  // The engine's own copy when it compared against the same snapshot: a second one would double the memory.
  if (view.previous?.id === id) return { id, index: view.previous.index };
  try {
    return { id, index: await loadManifestIndex(view.fs, manifestPath(view.dest, id)) };
  } catch (err) {
    if (!(err instanceof ManifestFormatError)) throw err;
    const w = `the shrink and ransomware checks were skipped: the manifest of snapshot ${id} is damaged (${err.message})`;
    log.warn(w);
    warnings.push(w);
    return null;
  }
}

function totalsOf(entries: Iterable<ManifestEntry>): TreeTotals {
  let files = 0;
  let bytes = 0;
  for (const e of entries) {
    if (e.type !== 'file') continue;
    files += 1;
    bytes += e.size;
  }
  return { files, bytes };
}

/** Required files the baseline had and this snapshot lacks (a source that never had them is not refused). */
function goneRequired(
  required: readonly string[],
  baseline: Baseline,
  view: CommitView,
  caseInsensitive: boolean,
): string[] {
  const fold = (p: string) => (caseInsensitive ? p.toLowerCase() : p);
  const wanted = new Set(required.map((rel) => fold(requiredPath(rel))));
  // Only the required files among the entries (not a set of every path: 100,000 files stay 100,000 looks).
  const filesOf = (entries: Iterable<ManifestEntry>) => {
    const found = new Set<string>();
    for (const e of entries) {
      if (e.type !== 'file') continue;
      const key = fold(e.path);
      if (wanted.has(key)) found.add(key);
    }
    return found;
  };
  const before = filesOf(baseline.index.values());
  const now = filesOf(view.entries);
  const hadThem = missingRequiredFiles(required, (rel) => !before.has(fold(rel)));
  return missingRequiredFiles(hadThem, (rel) => now.has(fold(rel)));
}

async function ransomwareCheck(
  config: GuardConfig['ransomware'],
  view: CommitView,
  baseline: Baseline,
  caseInsensitive: boolean,
): Promise<CommitVerdict['suspect']> {
  const tally = new ChangeTally(baseline.index, {
    extensions: ransomExtensionSet(config.extensions),
    caseInsensitive,
  });
  for (const entry of view.entries) tally.add(entry);
  const changes = tally.finish(view.entries);
  const candidates = sampleCandidates(view, baseline, caseInsensitive);
  const sample =
    config.sampleFiles > 0 && candidates.length > 0
      ? await sampleCompressibility(candidates, fileBlockReader(view.fs), config)
      : null;
  const verdict = assessRansomware({ changes, sample }, config);
  return verdict.suspect ? { reasons: verdict.reasons, measured: { ...verdict.measured } } : null;
}

/**
 * Files worth sampling for compressibility: changed content at the same path, and new files named like a
 * vanished old file plus an extension (the old copy is the baseline's). In the order of `view.entries`.
 * A file at the same path is a plain lookup; only what that misses (new files, and on Windows a change of
 * case) is resolved afterwards, in one pass over the baseline and one over this snapshot, for just the
 * names needed: no second index of every path (on Windows each folded name was a new string).
 */
export function sampleCandidates(view: CommitView, baseline: Baseline, caseInsensitive: boolean): SampleCandidate[] {
  const fold = (p: string) => (caseInsensitive ? p.toLowerCase() : p);
  const stored = (rel: string) => path.join(snapshotDir(view.dest, baseline.id), ...rel.split('/'));
  const candidate = (entry: ManifestEntry, before: ManifestEntry): SampleCandidate => ({
    path: entry.path,
    current: { file: view.storedPath(entry.path), size: entry.size },
    previous: { file: stored(before.path), size: before.size },
  });
  const slots: Array<SampleCandidate | ManifestEntry> = []; // an entry: not resolved yet
  for (const entry of view.entries) {
    if (entry.type !== 'file') continue;
    const before = baseline.index.get(entry.path);
    if (before?.type !== 'file') slots.push(entry);
    else if (before.sha256 !== entry.sha256) slots.push(candidate(entry, before));
  }
  const unresolved = slots.filter((slot): slot is ManifestEntry => !('current' in slot));
  if (unresolved.length === 0) return slots as SampleCandidate[];
  const wanted = new Set<string>();
  for (const entry of unresolved) {
    if (caseInsensitive) wanted.add(fold(entry.path));
    for (const stem of nameStems(entry.path)) wanted.add(fold(stem));
  }
  const previousFile = entriesNamed(baseline.index.values(), wanted, fold, true);
  const olds = new Set([...previousFile.values()].map((e) => fold(e.path)));
  const stillHere = entriesNamed(view.entries, olds, fold, false);
  const out: SampleCandidate[] = [];
  for (const slot of slots) {
    if ('current' in slot) {
      out.push(slot);
      continue;
    }
    const before = caseInsensitive ? previousFile.get(fold(slot.path)) : undefined;
    if (before) {
      if (before.sha256 !== slot.sha256) out.push(candidate(slot, before));
      continue;
    }
    const renamedFrom = nameStems(slot.path)
      .map((stem) => previousFile.get(fold(stem)))
      .find((old) => old !== undefined && !stillHere.has(fold(old.path)));
    if (renamedFrom) out.push(candidate(slot, renamedFrom));
  }
  return out;
}
