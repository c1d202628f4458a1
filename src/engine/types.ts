import type { EngineConfig } from '../config/schema';
import { RunFailedError } from '../errors';
import type { SourceFs } from '../fs/types';
import type { Logger } from '../log/logger';
import type { FileSystem } from '../fs/types';
import type { SnapshotAcls } from '../store/acl';
import type { LockoutStepTiming, RunRecord, SnapshotId } from '../store/types';

export interface BackupProgress {
  phase: 'sync' | 'commit';
  /** Files seen by the scan so far (grows while scanning). */
  filesSeen: number;
  bytesSeen: number;
  filesDone: number;
  bytesDone: number;
  filesCopied: number;
  filesLinked: number;
  bytesCopied: number;
  scanFinished: boolean;
  currentFile: string | null;
}

/**
 * What a sync does with a file it could not back up (after the retries), like restic's archiver Error
 * callback: 'fail' fails the sync; 'skip' leaves the file out of this sync — nothing about it is recorded,
 * and the snapshot cannot be committed until a later sync has it. Not called when the sync is aborted.
 */
export type FileErrorPolicy = (rel: string, err: unknown) => 'skip' | 'fail';

export interface SyncOptions {
  /** The folder to back up. Recorded in the manifest; read through `sourceFs`. */
  sourceRoot: string;
  /** How to read it: the local disk by default, a shadow-mapped FileSystem for VSS, a faulty one in tests. */
  sourceFs?: SourceFs;
  engine: EngineConfig;
  /** Compare content hashes instead of size + modification time (defaults to engine.checksum). */
  checksum?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BackupProgress) => void;
  /** See FileErrorPolicy (default: every failure fails the sync). Presync's online pass passes `skipFilesInUse`. */
  onFileError?: FileErrorPolicy;
  /**
   * How often a file that changed while it was copied is read again (default engine.unstableRetries).
   * A pass while AVImark is still running passes 0: a file changing once will change again.
   */
  unstableRetries?: number;
}

export interface SyncResult {
  filesTotal: number;
  bytesTotal: number;
  /** Counts for this sync call only. */
  filesCopied: number;
  filesLinked: number;
  filesKept: number;
  bytesCopied: number;
  removed: number;
  /** Files left for a later pass (the error policy said 'skip'). */
  filesSkipped: number;
  durationSeconds: number;
}

export interface CommitExtras {
  mode: RunRecord['mode'];
  offlineSeconds: number | null;
  lockoutSteps: LockoutStepTiming[];
  warnings: string[];
  /** When the whole run started (default: when the snapshot was opened). */
  startedAt?: Date;
  /** The source folder's NTFS access lists (Windows), kept in DEST/meta/<id>/acl.json (src/engine/metadata.ts). */
  acl?: SnapshotAcls;
}

export interface OpenSnapshotOptions {
  dest: string;
  log: Logger;
  now?: () => Date;
  /** The destination's file system (local by default; faulty in tests). */
  fs?: FileSystem;
}

/** Counts of one process's work (a resumed run does not count what the interrupted run did). */
export interface ThisRun {
  filesCopied: number;
  filesLinked: number;
  bytesCopied: number;
}

/** Thrown by sync() when its AbortSignal fires: the partial is left resumable. */
export class BackupInterruptedError extends RunFailedError {
  constructor(id: SnapshotId) {
    super(`the backup was interrupted; the partial snapshot ${id} will be resumed by the next run`);
  }
}
