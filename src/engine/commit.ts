import { errnoCode } from '../errors';
import { fsyncDir } from '../fs/durable';
import { forEachLimited } from '../fs/limited';
import type { FileSystem } from '../fs/types';
import { METADATA_RETRY, withRetry } from '../fs/retry';
import { manifestPath, metaDir, snapshotDir, storeLayout } from '../store/layout';
import { writeAclFile } from '../store/acl';
import { writeManifest } from '../store/manifest';
import { writeRunRecord } from '../store/run-record';
import { suspectMark, writeSuspectMark } from '../store/suspect';
import type { ManifestEntry, RunRecord, SnapshotId } from '../store/types';
import type { Tally } from './entries';
import type { PartialSnapshot } from './partial';
import { type SyncList, syncListEntries, syncListManifestLines } from './sync-list';
import { utimesTime } from './times';
import type { CommitExtras } from './types';

const COMMIT_RENAME_RETRY = { retries: 10, retryMinTimeoutMs: 200, retryMaxTimeMs: 60_000 };
/** Folders whose times are set and entries fsynced at once during the commit. */
const COMMIT_DIR_CONCURRENCY = 8;

/** The folders deepest first (for setting their times: a parent's is not undone by touching a child). */
export function deepestFirst(dirs: readonly ManifestEntry[]): ManifestEntry[] {
  return [...dirs].sort((a, b) => b.path.split('/').length - a.path.split('/').length);
}

export interface RunRecordInput {
  id: SnapshotId;
  source: string;
  extras: CommitExtras;
  startedAt: Date;
  endedAt: Date;
  counts: Tally;
  bytesCopiedThisRun: number;
  resumed: boolean;
  warnings: string[];
}

/** The run record of a successful commit. */
export function successRecord(input: RunRecordInput): RunRecord {
  const { extras, startedAt, endedAt, counts } = input;
  return {
    snapshotId: input.id,
    result: 'success',
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationSeconds: Math.max(0, (endedAt.getTime() - startedAt.getTime()) / 1000),
    mode: extras.mode,
    source: input.source,
    filesTotal: counts.filesTotal,
    filesCopied: counts.filesCopied,
    filesLinked: counts.filesLinked,
    bytesTotal: counts.bytesTotal,
    bytesCopied: input.bytesCopiedThisRun,
    offlineSeconds: extras.offlineSeconds,
    lockoutSteps: extras.lockoutSteps,
    resumed: input.resumed,
    warnings: [...input.warnings, ...extras.warnings],
    errors: [],
  };
}

/** What a commit guard sees of the snapshot about to be committed (everything is in the partial still). */
export interface CommitView {
  id: SnapshotId;
  dest: string;
  /** The store's file system. */
  fs: FileSystem;
  /** This snapshot's manifest entries, in path order: each call reads them once more (a stream). */
  entries(): AsyncIterable<ManifestEntry>;
  /** Where an entry's copy is now (in the partial). */
  storedPath(rel: string): string;
}

/** A guard's answer: throw (an AppError) to commit nothing; or commit, perhaps marked suspect. */
export interface CommitVerdict {
  /** Non-null: commit, but mark the snapshot suspect (DEST/meta/<id>/suspect.json; `latest` does not move). */
  suspect: { reasons: string[]; measured: Record<string, number> } | null;
  /** Added to the run record's warnings. */
  warnings: string[];
}

/**
 * Consulted after the copy, before anything of the commit is written (the cycle's shrink and ransomware
 * guards, src/cycle/guard.ts). A throw leaves the partial resumable, as any failed commit does.
 */
export type CommitGuard = (view: CommitView) => Promise<CommitVerdict>;

export interface CommitInput {
  partial: PartialSnapshot;
  /** What the last sync left in the partial: the manifest's entries. */
  list: SyncList;
  source: string;
  extras: CommitExtras;
  openedAt: Date;
  resumed: boolean;
  now: () => Date;
  guard?: CommitGuard;
}

/**
 * Folder times, manifest and run record fsynced into DEST/meta/<id>/, then the atomic rename
 * in-progress/<id> → snapshots/<id>. A crash before the rename leaves a resumable partial; after it, a
 * complete snapshot (whose checkpoint the caller, or the next run, removes).
 */
export async function writeAndRename(input: CommitInput): Promise<RunRecord> {
  const { partial, list, now } = input;
  const { fs, dest, id } = partial;
  await partial.checkpoint.flush();
  const entries = () => syncListEntries(fs, list.file);
  const verdict: CommitVerdict = input.guard
    ? await input.guard({
        id,
        dest,
        fs,
        entries,
        storedPath: (rel) => partial.destPath(rel),
      })
    : { suspect: null, warnings: [] };
  const dirs = deepestFirst(list.dirs);
  // Setting a folder's time does not touch its parent's entries, so folders can go in parallel.
  await forEachLimited(dirs, COMMIT_DIR_CONCURRENCY, async (dir) => {
    const dst = partial.destPath(dir.path);
    const t = utimesTime(dir.mtimeNs);
    await fs.utimes(dst, t, t);
    await fsyncDir(fs, dst);
  });
  await fsyncDir(fs, partial.dir);
  const meta = metaDir(dest, id);
  // Whatever an earlier, interrupted commit of this id left there (the id is not a snapshot yet).
  await withRetry(() => fs.rm(meta, { recursive: true, force: true }), METADATA_RETRY);
  await withRetry(() => fs.mkdir(meta, { recursive: true }), METADATA_RETRY);
  const header = {
    format: 'avimark-backup-manifest' as const,
    version: 1 as const,
    snapshotId: id,
    source: input.source,
    createdAt: now().toISOString(),
  };
  const manifestBytes = await writeManifest(
    fs,
    manifestPath(dest, id),
    header,
    syncListManifestLines(fs, list.file),
    list.entries,
  );
  if (input.extras.acl) await writeAclFile(fs, dest, id, input.source, input.extras.acl);
  const record = successRecord({
    id,
    source: input.source,
    extras: input.extras,
    startedAt: input.extras.startedAt ?? input.openedAt,
    endedAt: now(),
    counts: list.tally,
    bytesCopiedThisRun: partial.thisRun.bytesCopied,
    resumed: input.resumed,
    warnings: [...partial.warnings, ...verdict.warnings],
  });
  record.manifestBytes = manifestBytes;
  if (verdict.suspect) {
    record.suspect = { reasons: verdict.suspect.reasons };
    // Before the rename: a crash after it must not leave a suspect snapshot looking trusted.
    await writeSuspectMark(fs, dest, suspectMark(id, verdict.suspect.reasons, verdict.suspect.measured, now()));
  }
  await writeRunRecord(dest, record, fs);
  const layout = storeLayout(dest);
  await fsyncDir(fs, layout.metaRoot);
  // Antivirus or Explorer holding a handle inside the folder briefly blocks the rename on Windows.
  await withRetry(() => fs.rename(partial.dir, snapshotDir(dest, id)), COMMIT_RENAME_RETRY, {
    onRetry: (err) => partial.log.warn({ code: errnoCode(err) }, `retrying the final rename of snapshot ${id}`),
  });
  await fsyncDir(fs, layout.snapshotsDir);
  await fsyncDir(fs, layout.inProgressDir);
  return record;
}
