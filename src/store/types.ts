/**
 * The destination's layout is part of the user interface (people browse it):
 *
 *   DEST/snapshots/<ID>/          exactly the source tree, read-only files, nothing else
 *   DEST/latest                   link (junction on Windows) to the newest complete snapshot
 *   DEST/meta/<ID>/manifest.jsonl the manifest (header line + one entry per path)
 *   DEST/meta/<ID>/run.json       the run record
 *   DEST/meta/<ID>/verify.json    the last verification result (written by verify)
 *   DEST/meta/<ID>/drill.json     the last restore-drill result (written by drill)
 *   DEST/meta/<ID>/suspect.json   present while the snapshot is marked suspect (possible ransomware): `latest`
 *                                 skips it and every prune is held until `accept ID` or `prune --id ID`
 *   DEST/meta/<ID>/accepted.json  written by `accept`: the suspicion an administrator cleared
 *   DEST/drill-scratch/<ID>-<t>/  a restore drill's temporary copy (removed when the drill ends)
 *   DEST/in-progress/<ID>/        the partial snapshot of an unfinished run (never listed)
 *   DEST/in-progress/<ID>.state/  its checkpoint and partial manifest
 *   DEST/store.json               marks a folder as an avimark-backup store (format version)
 *
 * A snapshot exists iff DEST/snapshots/<ID> exists AND DEST/meta/<ID>/manifest.jsonl is complete;
 * commit order: manifest + run record fsynced into meta/<ID>, then rename in-progress/<ID> → snapshots/<ID>.
 *
 * Permissions (engine): snapshot FILES are read-only (write bits cleared; on Windows the read-only
 * attribute, shared by all hard links of a file). Snapshot FOLDERS keep their normal (owner-writable)
 * permissions, so prune can delete a snapshot with a plain recursive remove on POSIX — deleting a name
 * needs write access to the folder, not to the file. On Windows, Node's unlink deletes read-only files
 * (libuv ≥ 1.49 ignores the attribute); never chmod a linked file, since that would change the other
 * snapshots' copies too. DEST/lock holds the store lock (pid, host, start) while a backup runs.
 */

/** Sortable local timestamp that is a valid Windows folder name, e.g. 2026-11-26_020000 (optionally _2, _3 on collision). */
export type SnapshotId = string;

export type EntryType = 'file' | 'dir' | 'symlink';

export interface FileAttributes {
  /** POSIX mode bits as seen on the source (on Windows, Node maps read-only to the write bits). */
  mode: number;
  readonly: boolean;
}

export interface ManifestEntry {
  /** Relative path with '/' separators, no leading './'. The root is not listed. */
  path: string;
  type: EntryType;
  /** Bytes; 0 for dirs and symlinks. */
  size: number;
  /** Modification time in nanoseconds since the epoch, as a decimal string (full precision). */
  mtimeNs: string;
  /** Lower-case hex SHA-256 of the content; null for dirs and symlinks. */
  sha256: string | null;
  attributes: FileAttributes;
  /** For symlinks/junctions: the target as read, never followed. */
  linkTarget?: string;
}

export interface ManifestHeader {
  format: 'avimark-backup-manifest';
  version: 1;
  snapshotId: SnapshotId;
  source: string;
  createdAt: string;
  entries: number;
}

export type RunResult = 'success' | 'failed' | 'interrupted';

export interface LockoutStepTiming {
  step: string;
  seconds: number;
}

export interface RunRecord {
  snapshotId: SnapshotId;
  result: RunResult;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  mode: 'no-lockout' | 'offline' | 'presync' | 'vss';
  source: string;
  filesTotal: number;
  filesCopied: number;
  filesLinked: number;
  bytesTotal: number;
  bytesCopied: number;
  /** Null when no lockout ran. */
  offlineSeconds: number | null;
  lockoutSteps: LockoutStepTiming[];
  resumed: boolean;
  warnings: string[];
  errors: string[];
  /** Set when the ransomware guard marked the snapshot suspect (see suspect.json). */
  suspect?: { reasons: string[] };
  /**
   * The manifest's size in bytes as its commit wrote it: listing the store proves a manifest complete by
   * this size instead of reading it whole (src/store/manifest-complete.ts). Absent in records written before
   * it existed and in failed runs' records.
   */
  manifestBytes?: number;
}

export interface VerifyRecord {
  snapshotId: SnapshotId;
  verifiedAt: string;
  /** Percentage of files checked (100 for a full verify). */
  samplePercent: number;
  filesChecked: number;
  ok: boolean;
  missing: string[];
  extra: string[];
  damaged: string[];
  /** `verify --repair` (issue 14): what it healed in this snapshot and what it could not. */
  repair?: RepairRecord;
  /** The nightly rolling scrub run with this verification (issue 14): tonight's slice and the store's coverage. */
  scrub?: ScrubRecord;
}

export interface ScrubRecord {
  filesRead: number;
  bytesRead: number;
  scrubDays: number;
  /** Stored files (one per inode) and how many were re-hashed within the last scrubDays days. */
  files: number;
  filesCovered: number;
  /** 0-100, by bytes. */
  percent: number;
  /** The least recently re-hashed file (verifiedAt null: never). */
  oldest: { snapshotId: string; path: string; verifiedAt: string | null } | null;
}

export interface RepairRecord {
  repairedAt: string;
  healed: string[];
  unrecoverable: Array<{ path: string; reason: string }>;
}

export interface DrillRecord {
  snapshotId: SnapshotId;
  drilledAt: string;
  ok: boolean;
  durationSeconds: number;
  filesChecked: number;
  problems: string[];
  command: string | null;
  commandExitCode: number | null;
}
