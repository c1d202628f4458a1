import type { ChangeSignals } from './change-signals';
import { type CompressibilitySample, INCOMPRESSIBLE_RATIO } from './compressibility';
import { formatCount } from '../format/number';

/**
 * The ransomware verdict: pure, from the night's change signals and the compressibility sample,
 * against the thresholds of `guard.ransomware`. A suspect snapshot is still committed (it may be the
 * only copy of the last hours), but marked suspect: `latest` does not move and pruning is held until an
 * administrator accepts it. So the verdict leans to suspicion: a false alarm costs one `accept`, a
 * missed one can cost every good snapshot.
 */

export interface RansomwareThresholds {
  /** Percentage of compared files whose content changed with the same size (guard.ransomware.changedSameSizePercent). */
  changedSameSizePercent: number;
  /** Percentage of sampled files with a compressible previous copy that became incompressible. */
  incompressiblePercent: number;
  /** A percentage signal needs at least this many files behind it. */
  minFiles: number;
}

export interface RansomwareSignals {
  changes: ChangeSignals;
  /** null when no sampling ran (sampleFiles 0, no previous snapshot). */
  sample: CompressibilitySample | null;
}

export interface RansomwareVerdict {
  suspect: boolean;
  /** One sentence per signal that fired (empty when not suspect). */
  reasons: string[];
  /** The measured numbers, for the JSON summary and the report (whether or not they fired). */
  measured: {
    filesCompared: number;
    changedSameSizePercent: number;
    sampledWithBaseline: number;
    becameIncompressible: number;
    incompressiblePercent: number;
    ransomExtension: number;
    appendedExtension: number;
    ransomNotes: number;
    readmes: number;
  };
}

/** Incompressible needs at least this many sampled files that became so (one odd file is not a pattern). */
const MIN_INCOMPRESSIBLE_FILES = 3;
/** Plain README files appearing in this many places at once (some families drop one per folder). */
const MIN_READMES = 3;

export function assessRansomware(signals: RansomwareSignals, thresholds: RansomwareThresholds): RansomwareVerdict {
  const { changes, sample } = signals;
  const reasons: string[] = [];
  const sameSizePercent = percent(changes.changedSameSize, changes.filesCompared);
  if (changes.changedSameSize >= thresholds.minFiles && sameSizePercent >= thresholds.changedSameSizePercent) {
    const stealthy =
      changes.changedSameStat > 0
        ? `, ${formatCount(changes.changedSameStat)} of them with an unchanged modification time too`
        : '';
    reasons.push(
      `${formatCount(changes.changedSameSize)} of ${formatCount(changes.filesCompared)} files (${round(sameSizePercent)}%) ` +
        `changed content but kept their size${stealthy} (threshold ${thresholds.changedSameSizePercent}%), e.g. ${examples(changes.examples.changedSameSize)}`,
    );
  }
  const withBaseline =
    sample?.files.filter((f) => f.previousRatio !== null && !isIncompressible(f.previousRatio)) ?? [];
  const became = withBaseline.filter((f) => f.becameIncompressible);
  const incompressiblePercent = percent(became.length, withBaseline.length);
  if (became.length >= MIN_INCOMPRESSIBLE_FILES && incompressiblePercent >= thresholds.incompressiblePercent) {
    reasons.push(
      `${became.length} of ${withBaseline.length} sampled changed files (${round(incompressiblePercent)}%) became ` +
        `incompressible, as encrypted data is (threshold ${thresholds.incompressiblePercent}%), e.g. ${examples(became.map((f) => f.path))}`,
    );
  }
  if (changes.ransomExtension > 0) {
    reasons.push(
      `${formatCount(changes.ransomExtension)} new file(s) with an extension ransomware uses, e.g. ${examples(changes.examples.extension)}`,
    );
  }
  if (changes.appendedExtension >= thresholds.minFiles) {
    reasons.push(
      `${formatCount(changes.appendedExtension)} files were renamed with an extra extension, e.g. ${examples(changes.examples.appended)}`,
    );
  }
  if (changes.ransomNotes > 0) {
    reasons.push(
      `${formatCount(changes.ransomNotes)} file(s) named like a ransom note appeared, e.g. ${examples(changes.examples.notes)}`,
    );
  }
  if (changes.readmes >= MIN_READMES) {
    reasons.push(
      `${formatCount(changes.readmes)} new README files appeared at once (some ransomware drops one per folder)`,
    );
  }
  return {
    suspect: reasons.length > 0,
    reasons,
    measured: {
      filesCompared: changes.filesCompared,
      changedSameSizePercent: round(sameSizePercent),
      sampledWithBaseline: withBaseline.length,
      becameIncompressible: became.length,
      incompressiblePercent: round(incompressiblePercent),
      ransomExtension: changes.ransomExtension,
      appendedExtension: changes.appendedExtension,
      ransomNotes: changes.ransomNotes,
      readmes: changes.readmes,
    },
  };
}

/** The one-line summary for the run's message, the Event Log and the e-mail. */
export function suspectMessage(snapshotId: string, verdict: RansomwareVerdict): string {
  return (
    `snapshot ${snapshotId} looks like ransomware at work: ${verdict.reasons.join('; ')}. ` +
    'It was kept but marked suspect: "latest" still points at the previous snapshot and no snapshot will be pruned ' +
    `until an administrator checks the AVImark folder and runs "avimark-backup accept ${snapshotId}" ` +
    `(or deletes it with "avimark-backup prune --id ${snapshotId}")`
  );
}

function isIncompressible(ratio: number): boolean {
  return ratio > INCOMPRESSIBLE_RATIO;
}

function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : (part / whole) * 100;
}

function round(p: number): number {
  return Math.round(p * 10) / 10;
}

function examples(paths: readonly string[]): string {
  return paths
    .slice(0, 3)
    .map((p) => `"${p}"`)
    .join(', ');
}
