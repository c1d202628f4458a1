import type { DrillRecord, RunRecord, SnapshotId, VerifyRecord } from '../store/types';

/** One complete snapshot with what is known about it (records may be missing: older tools, deleted files). */
export interface SnapshotHistory {
  id: SnapshotId;
  run: RunRecord | null;
  verify: VerifyRecord | null;
  drill: DrillRecord | null;
}

/**
 * A run as the history shows it: a run record from DEST/meta, or a failed run known only from the
 * state folder's last-run.json (failed runs leave no snapshot and hence no run record), whose mode
 * may be unknown (null) when it failed before choosing one.
 */
export type HistoryRun = Omit<RunRecord, 'mode'> & { mode: RunRecord['mode'] | null };

/** Everything the status sentence and the report are computed from. */
export interface StoreHistory {
  /** Complete snapshots, oldest first. */
  snapshots: SnapshotHistory[];
  /** Every run record found (including failed runs that left no snapshot), oldest first by start time. */
  runs: HistoryRun[];
}

/** Space on the destination: what the snapshots would take as plain copies vs what they take with hard links. */
export interface SpaceUsage {
  /** Sum of every file's size in every snapshot (what plain copies would need). */
  apparentBytes: number;
  /** Sum of sizes counting each inode once (what the disk actually holds for the snapshots). */
  storedBytes: number;
  files: number;
  uniqueFiles: number;
  /** Of the destination volume, when known. */
  volumeTotalBytes: number | null;
  volumeFreeBytes: number | null;
}
