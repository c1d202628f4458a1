/**
 * The shrink guard: an empty or shrunken source must never become the good backup. Before a snapshot is
 * committed, its totals are compared with the previous snapshot's; a fall of more than
 * `guard.maxShrinkPercent` in the file count or in the bytes, or a file the drill requires going
 * missing, fails the run (nothing committed, nothing pruned) unless `--allow-shrink` accepts it once.
 * Pure: the engine supplies the totals and the required files' presence.
 */

import { formatBytes } from '../format/bytes';
import { formatCount, formatPercent } from '../format/number';

export interface TreeTotals {
  files: number;
  bytes: number;
}

export interface ShrinkInput {
  /** The previous snapshot's totals; null on the first backup (then only the required files are checked). */
  previous: TreeTotals | null;
  current: TreeTotals;
  /** guard.maxShrinkPercent: a fall by more than this (0-100) fails. */
  maxShrinkPercent: number;
  /** Required files (drill.requiredFiles) the source does not have, see missingRequiredFiles. */
  missingRequired: readonly string[];
}

export type ShrinkVerdict =
  | { ok: true }
  | {
      ok: false;
      /** One sentence with both numbers, ending in what to do. */
      message: string;
      /** Each failed check on its own, for the JSON summary and the report. */
      problems: string[];
    };

export const ALLOW_SHRINK_HINT = 'If this is expected, run once with --allow-shrink.';

export function checkShrink(input: ShrinkInput): ShrinkVerdict {
  const { previous, current, maxShrinkPercent, missingRequired } = input;
  const problems: string[] = [];
  if (previous !== null) {
    const fewerFiles = fellBy(previous.files, current.files);
    const fewerBytes = fellBy(previous.bytes, current.bytes);
    const falls: string[] = [];
    if (fewerFiles > maxShrinkPercent) falls.push(`${formatPercent(fewerFiles)} fewer files`);
    if (fewerBytes > maxShrinkPercent) falls.push(`${formatPercent(fewerBytes)} fewer bytes`);
    if (falls.length > 0) {
      problems.push(
        `the source has ${describeTotals(current)}; the previous snapshot had ${describeTotals(previous)}: ` +
          `${falls.join(' and ')} (more than the ${formatPercent(maxShrinkPercent)} allowed by guard.maxShrinkPercent)`,
      );
    }
  }
  if (missingRequired.length > 0) {
    const shown = missingRequired.slice(0, 5).join(', ');
    const more = missingRequired.length > 5 ? ` and ${missingRequired.length - 5} more` : '';
    problems.push(
      `${missingRequired.length === 1 ? 'a file' : `${missingRequired.length} files`} AVImark needs ` +
        `${missingRequired.length === 1 ? 'is' : 'are'} missing from the source: ${shown}${more} (drill.requiredFiles)`,
    );
  }
  if (problems.length === 0) return { ok: true };
  return {
    ok: false,
    message: `${problems.join('; ')}. Nothing was committed or pruned. ${ALLOW_SHRINK_HINT}`,
    problems,
  };
}

/** The percentage by which `current` fell below `previous` (0 when it did not fall, or nothing was there). */
export function fellBy(previous: number, current: number): number {
  if (previous <= 0 || current >= previous) return 0;
  return ((previous - current) / previous) * 100;
}

/**
 * Which of `required` (relative paths, '/' or '\\' separated) the source lacks; `has` answers for a
 * normalized '/'-separated path. On Windows names compare case-insensitively: pass a `has` that does.
 */
export function missingRequiredFiles(required: readonly string[], has: (rel: string) => boolean): string[] {
  return required.filter((rel) => !has(requiredPath(rel)));
}

/** A required file's path as the manifest writes it ('/' separators, no leading './' or '/'). */
export function requiredPath(rel: string): string {
  return rel.replace(/\\/g, '/').replace(/^\.?\/+/, '');
}

export function describeTotals(t: TreeTotals): string {
  return `${formatCount(t.files)} ${t.files === 1 ? 'file' : 'files'} (${formatBytes(t.bytes)})`;
}
