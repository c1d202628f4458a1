import path from 'node:path';
import type { GuardConfig } from '../config/schema';
import type { CommitGuard, CommitVerdict, CommitView } from '../engine/backup';
import { RunFailedError } from '../errors';
import { fileBlockReader } from '../guard/block-reader';
import { type ChangeSignals, ChangeTally, entriesNamed } from '../guard/change-signals';
import { type SampleCandidate, sampleCompressibility } from '../guard/compressibility';
import { SampleCandidates } from '../guard/sample-candidates';
import { ransomExtensionSet } from '../guard/ransom-names';
import { assessRansomware } from '../guard/ransomware';
import { type TreeTotals, checkShrink, missingRequiredFiles, requiredPath } from '../guard/shrink';
import type { Logger } from '../log/logger';
import { compareSnapshotIds, manifestPath, snapshotDir } from '../store/layout';
import { ManifestFormatError, openManifest } from '../store/manifest';
import { mergeByPath } from '../store/manifest-diff';
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

/** The baseline: the newest trusted snapshot older than this one, and its manifest file. */
interface Baseline {
  id: SnapshotId;
  manifest: string;
}

/** What one merged pass over the baseline's manifest and this snapshot's entries found. */
interface Compared {
  before: TreeTotals;
  current: TreeTotals;
  missingRequired: string[];
  changes: ChangeSignals;
  candidates: SampleCandidate[];
}

export function snapshotGuard(settings: GuardSettings, options: SnapshotGuardOptions): CommitGuard {
  const caseInsensitive = options.caseInsensitive ?? process.platform === 'win32';
  return async (view: CommitView): Promise<CommitVerdict> => {
    const warnings: string[] = [];
    const baseline = await findBaseline(view);
    let compared: Compared | null = null;
    if (baseline !== null) {
      try {
        compared = await compareWithBaseline(view, baseline, settings, caseInsensitive);
      } catch (err) {
        if (!(err instanceof ManifestFormatError)) throw err;
        const w = `the shrink and ransomware checks were skipped: the manifest of snapshot ${baseline.id} is damaged (${err.message})`;
        options.log.warn(w);
        warnings.push(w);
      }
    }
    const shrink = checkShrink({
      previous: compared?.before ?? null,
      current: compared?.current ?? (await totalsOf(view.entries())),
      maxShrinkPercent: settings.guard.maxShrinkPercent,
      missingRequired: compared?.missingRequired ?? [],
    });
    if (!shrink.ok) {
      if (!options.allowShrink) throw new RunFailedError(`snapshot ${view.id} was not committed: ${shrink.message}`);
      const accepted = `--allow-shrink accepted a shrunken source: ${shrink.problems.join('; ')}`;
      options.log.warn(accepted);
      warnings.push(accepted);
    }
    if (compared === null) return { suspect: null, warnings };
    const suspect = await ransomwareCheck(settings.guard.ransomware, view, compared);
    if (suspect) options.log.warn({ snapshot: view.id, reasons: suspect.reasons }, 'the snapshot looks suspect');
    return { suspect, warnings };
  };
}

/** The newest trusted snapshot older than `view.id`; null on the first backup. */
async function findBaseline(view: CommitView): Promise<Baseline | null> {
  const older = (await listTrustedSnapshots(view.dest, view.fs)).filter((s) => compareSnapshotIds(s.id, view.id) < 0);
  const id = older.at(-1)?.id;
  return id === undefined ? null : { id, manifest: manifestPath(view.dest, id) };
}

/**
 * Every figure the guard weighs, from the baseline's manifest read as a stream beside this snapshot's
 * entries (both in path order): one merged pass, then, only when new files need names looked up (renames,
 * on Windows a change of case), one more pass over each side for just those names. Memory: a few facts
 * per new or changed file, never an index of either side. A damaged baseline throws ManifestFormatError.
 */
async function compareWithBaseline(
  view: CommitView,
  baseline: Baseline,
  settings: GuardSettings,
  caseInsensitive: boolean,
): Promise<Compared> {
  // Read to the end both times, so a manifest cut short throws (openManifest checks the count at the end).
  const readBaseline = async () => (await openManifest(view.fs, baseline.manifest)).entries;
  const tally = new ChangeTally({
    extensions: ransomExtensionSet(settings.guard.ransomware.extensions),
    caseInsensitive,
  });
  const sample = new SampleCandidates(
    {
      current: view.storedPath,
      previous: (rel) => path.join(snapshotDir(view.dest, baseline.id), ...rel.split('/')),
    },
    caseInsensitive,
  );
  const fold = (p: string) => (caseInsensitive ? p.toLowerCase() : p);
  const required = new Set(settings.drill.requiredFiles.map((rel) => fold(requiredPath(rel))));
  const requiredBefore = new Set<string>();
  const requiredNow = new Set<string>();
  const before = { files: 0, bytes: 0 };
  const current = { files: 0, bytes: 0 };
  for await (const { before: old, after } of mergeByPath(await readBaseline(), view.entries())) {
    if (old?.type === 'file') {
      before.files += 1;
      before.bytes += old.size;
      if (required.has(fold(old.path))) requiredBefore.add(fold(old.path));
    }
    if (after === undefined) continue;
    if (after.type === 'file') {
      current.files += 1;
      current.bytes += after.size;
      // Only the required files among the entries (not a set of every path).
      if (required.has(fold(after.path))) requiredNow.add(fold(after.path));
    }
    tally.add(after, old);
    sample.add(after, old);
  }
  const wanted = new Set([...tally.wanted(), ...sample.wanted()]);
  let previousFiles = new Map<string, ManifestEntry>();
  let currentNamed: ManifestEntry[] = [];
  if (wanted.size > 0) {
    previousFiles = entriesNamed(await entriesNamedIn(await readBaseline(), wanted, fold), wanted, fold, true);
    // This snapshot's entries of those names (every type, in order): what `finish` and `resolve` look up.
    currentNamed = await entriesNamedIn(view.entries(), wanted, fold);
  }
  return {
    before,
    current,
    missingRequired: goneRequired(settings.drill.requiredFiles, requiredBefore, requiredNow, fold),
    changes: tally.finish(previousFiles, currentNamed),
    candidates: sample.resolve(previousFiles, currentNamed),
  };
}
/** The entries of a stream whose name (as `key` folds it) is in `wanted`, in order: the few a rename needs. */
async function entriesNamedIn(
  entries: AsyncIterable<ManifestEntry>,
  wanted: ReadonlySet<string>,
  key: (p: string) => string,
): Promise<ManifestEntry[]> {
  const found: ManifestEntry[] = [];
  for await (const e of entries) if (wanted.has(key(e.path))) found.push(e);
  return found;
}

async function totalsOf(entries: AsyncIterable<ManifestEntry>): Promise<TreeTotals> {
  let files = 0;
  let bytes = 0;
  for await (const e of entries) {
    if (e.type !== 'file') continue;
    files += 1;
    bytes += e.size;
  }
  return { files, bytes };
}

/** Required files the baseline had (`before`) and this snapshot lacks (`now`); both folded keys. */
function goneRequired(
  required: readonly string[],
  before: ReadonlySet<string>,
  now: ReadonlySet<string>,
  fold: (p: string) => string,
): string[] {
  const hadThem = missingRequiredFiles(required, (rel) => !before.has(fold(rel)));
  return missingRequiredFiles(hadThem, (rel) => now.has(fold(rel)));
}

async function ransomwareCheck(
  config: GuardConfig['ransomware'],
  view: CommitView,
  compared: Compared,
): Promise<CommitVerdict['suspect']> {
  const sample =
    config.sampleFiles > 0 && compared.candidates.length > 0
      ? await sampleCompressibility(compared.candidates, fileBlockReader(view.fs), config)
      : null;
  const verdict = assessRansomware({ changes: compared.changes, sample }, config);
  return verdict.suspect ? { reasons: verdict.reasons, measured: { ...verdict.measured } } : null;
}
