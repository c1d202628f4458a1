import type { Logger } from '../log/logger';
import type { AfterBackupResult } from './after-backup';

/**
 * Step 8 of the night, after commit and verify and never inside the lockout: the offsite copy
 * (src/offsite/night.ts runOffsiteAfterNight, handed in by the CLI's composition root so the cycle
 * does not import its sibling). Its failure never fails the night.
 */
export type AfterNight = (snapshotId: string, log: Logger) => Promise<AfterNightResult>;

export interface AfterNightResult {
  /** 'failed' never fails the night: the run exits 0 and says "local backup OK, offsite copy failed". */
  status: 'ok' | 'failed' | 'skipped';
  /** One sentence for the summary, the Event Log and the e-mail. */
  message: string;
  /** Fields for the JSON summary (bytes added, restic snapshot, age of the newest copy, alert). */
  summary: Record<string, unknown>;
}

/**
 * Runs step 8 when configured: a verified snapshot goes offsite; one verification found damaged never does,
 * and neither does a snapshot the ransomware guard marked suspect (its push would be harmless, but the
 * offsite retention that follows it is pruning, and all pruning is held until an administrator decides).
 */
export async function runAfterNight(
  afterNight: AfterNight | undefined,
  snapshotId: string | null,
  after: AfterBackupResult | null,
  log: Logger,
  suspect = false,
): Promise<AfterNightResult | null> {
  if (!afterNight || !snapshotId) return null;
  if (suspect)
    return {
      status: 'skipped',
      message: `offsite copy held: snapshot ${snapshotId} is marked suspect (accept it, or delete it with prune --id)`,
      summary: {},
    };
  if ((after?.verify?.problems.length ?? 0) > 0)
    return { status: 'skipped', message: 'offsite copy skipped: verification found damage', summary: {} };
  return afterNight(snapshotId, log);
}
