import { localStamp } from '../format/clock';
import { formatPercent } from '../format/number';
import type { DrillRecord, ScrubRecord, VerifyRecord } from '../store/types';

/** Short words for a table column (list, status, the report): "verified 2026-11-26 02:30", "DAMAGED (2 files) …", "never". */
export function verifyText(verify: VerifyRecord | null): string {
  if (!verify) return 'never';
  const when = shortStamp(verify.verifiedAt);
  if (verify.ok)
    return `${verify.samplePercent >= 100 ? 'verified' : `spot-checked ${formatPercent(verify.samplePercent)}`} ${when}`;
  const bad = verify.missing.length + verify.damaged.length + verify.extra.length;
  return `DAMAGED (${bad} ${bad === 1 ? 'file' : 'files'}) ${when}`;
}

/** "passed 2026-11-22 03:05", "FAILED 2026-11-22 03:05", "never". */
export function drillText(drill: DrillRecord | null): string {
  if (!drill) return 'never';
  return `${drill.ok ? 'passed' : 'FAILED'} ${shortStamp(drill.drilledAt)}`;
}

/** "97% of the stored data (120 of 124 files) re-hashed within the last 30 days; 5 file(s) re-read last night." */
export function scrubText(scrub: ScrubRecord): string {
  return `${scrub.percent}% of the stored data (${scrub.filesCovered} of ${scrub.files} files) re-hashed within the last ${scrub.scrubDays} days; ${scrub.filesRead} file(s) re-read last night.`;
}

/** "2026-11-26 02:14" in local time. */
function shortStamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : localStamp(d);
}
