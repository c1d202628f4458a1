/**
 * The snapshot engine's public API.
 *
 * ## Plain backup (`backup --no-lockout`)
 *   const summary = await runBackup({ source, dest, engine, log, checksum?, signal?, onProgress? });
 * checks the paths (UsageError, exit 2, before anything is created), opens the snapshot, syncs once,
 * commits and releases. On failure the partial is left for the next run to resume; earlier snapshots are
 * never touched.
 *
 * ## Building block for the nightly cycle (lockout modes)
 *   await checkSourceAndDest(source, dest);                  // refusals first
 *   const snap = await openSnapshot({ dest, log, now? });   // takes DEST/lock; new or resumed partial
 *   try {
 *     await snap.sync({ sourceRoot, sourceFs?, engine, checksum?, signal?, onProgress?, onFileError?, unstableRetries? }); // online pass
 *     ...lock AVImark out...
 *     await snap.sync({ ... });                             // catch-up: only what changed since the last sync
 *     const record = await snap.commit({ mode, offlineSeconds, lockoutSteps, warnings, startedAt });
 *   } finally {
 *     await snap.release();                                 // idempotent; leaves an uncommitted partial for resume
 *   }
 * - sync() may be called any number of times; each call makes the partial equal to the source (new and
 *   changed files copied, unchanged ones kept or hard-linked to the previous snapshot, deleted ones
 *   removed). For VSS pass `sourceFs = createShadowFs(localFs, liveRoot, shadowRoot)` and the LIVE root as
 *   `sourceRoot`, so the manifest names the live folder.
 * - An AbortSignal stops sync() promptly with BackupInterruptedError (a RunFailedError); a permanent file
 *   error throws a RunFailedError naming the file. Either way the partial stays resumable, and commit()
 *   refuses until a later sync() succeeds.
 * - commit() writes the manifest and run record (meta/<id>/), renames the partial into snapshots/<id>,
 *   updates `latest` and returns the RunRecord. Call release() before anything that takes the store lock
 *   itself (prune).
 */
import type { EngineConfig } from '../config/schema';
import { errnoCode } from '../errors';
import { localFs } from '../fs/local';
import { describeFsError } from '../fs/retry';
import type { SourceFs, FileSystem } from '../fs/types';
import type { Logger } from '../log/logger';
import type { RunRecord } from '../store/types';
import type { CommitGuard } from './commit';
import { checkSourceAndDest } from './paths';
import { SnapshotInProgress } from './snapshot';
import { type BackupSummary, summaryFromRecord } from './summary';
import type { BackupProgress, OpenSnapshotOptions } from './types';

export { checkSourceAndDest } from './paths';
export { dryRunBackup, type DryRunReport } from './dry-run';
export { skipFilesInUse } from './file-errors';
export { SnapshotInProgress } from './snapshot';
export type { CommitGuard, CommitVerdict, CommitView } from './commit';
export {
  BackupInterruptedError,
  type BackupProgress,
  type CommitExtras,
  type FileErrorPolicy,
  type OpenSnapshotOptions,
  type SyncOptions,
  type SyncResult,
} from './types';
export type { BackupSummary } from './summary';

export function openSnapshot(options: OpenSnapshotOptions): Promise<SnapshotInProgress> {
  return SnapshotInProgress.open(options);
}

export interface RunBackupOptions {
  source: string;
  dest: string;
  engine: EngineConfig;
  log: Logger;
  checksum?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BackupProgress) => void;
  now?: () => Date;
  /** Read the source through this (faulty in tests). */
  sourceFs?: SourceFs;
  /** Write the store through this (faulty in tests). */
  destFs?: FileSystem;
  /** Consulted before the commit (the shrink and ransomware guards, src/cycle/guard.ts). */
  guard?: CommitGuard;
}

export interface BackupOutcome {
  record: RunRecord;
  summary: BackupSummary;
}

/** One complete backup without a lockout. */
export async function runBackup(options: RunBackupOptions): Promise<BackupOutcome> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const { source, dest } = await checkSourceAndDest(options.source, options.dest, {
    fs: options.sourceFs ?? localFs,
    retryPolicy: options.engine,
    retryHooks: {
      signal: options.signal,
      onRetry: (err) =>
        options.log.warn(
          { code: errnoCode(err) },
          `retrying a check of the source or destination: ${describeFsError(err)}`,
        ),
    },
  });
  const snap = await openSnapshot({ dest, log: options.log, now, fs: options.destFs });
  try {
    await snap.sync({
      sourceRoot: source,
      sourceFs: options.sourceFs,
      engine: options.engine,
      checksum: options.checksum,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    const record = await snap.commit(
      {
        mode: 'no-lockout',
        offlineSeconds: null,
        lockoutSteps: [],
        warnings: [],
        startedAt,
      },
      options.guard,
    );
    return { record, summary: summaryFromRecord(record, dest, snap.thisRun) };
  } finally {
    await snap.release();
  }
}
