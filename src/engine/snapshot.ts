import os from 'node:os';
import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { EngineConfig } from '../config/schema';
import { AppError, RunFailedError, UsageError, errnoCode, errorMessage } from '../errors';
import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import type { Logger } from '../log/logger';
import { fsyncDir, writeFileAtomic } from '../store/durable';
import {
  STORE_FORMAT,
  compareSnapshotIds,
  isSnapshotId,
  manifestPath,
  metaDir,
  newSnapshotId,
  partialDir,
  partialStateDir,
  snapshotDir,
  storeLayout,
  updateLatest,
} from '../store/layout';
import { type HeldLock, acquireStoreLock } from '../store/lock';
import { ManifestFormatError, loadManifestIndex, sharedAttributes, writeManifest } from '../store/manifest';
import { writeRunRecord } from '../store/run-record';
import { listSnapshots } from '../store/snapshots';
import type { LockoutStepTiming, ManifestEntry, RunRecord, SnapshotId } from '../store/types';
import { Checkpoint, type PartialState } from './checkpoint';
import { UnstableFileError, hashHandle, saveFile } from './file-saver';
import { type DoneRecord, type FileDecision, decideAfterHash, planFile, planRemovals } from './plan';
import { METADATA_RETRY, describeFsError, isInUse, isTransient, retryingFs, withRetry } from './retry';
import { type ScanEntry, scanTree } from './scan';
import { SyncBatch, forEachLimited } from './sync-batch';
import { utimesSeconds } from './times';

/** Link errors that mean "this destination cannot hard-link here": fall back to copying. */
const LINK_FALLBACK_CODES = new Set([
  'EXDEV',
  'EPERM',
  'EMLINK',
  'UNKNOWN',
  'ENOTSUP',
  'EOPNOTSUPP',
  'ENOSYS',
  'EACCES',
]);

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

export interface SyncOptions {
  /** The folder to back up. Recorded in the manifest; read through `sourceFs`. */
  sourceRoot: string;
  /** How to read it: the local disk by default, a shadow-mapped FileSystem for VSS, a faulty one in tests. */
  sourceFs?: FileSystem;
  engine: EngineConfig;
  /** Compare content hashes instead of size + modification time (defaults to engine.checksum). */
  checksum?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BackupProgress) => void;
  /**
   * A pass while AVImark is still running (presync's online pass): a file that changes while it is read,
   * or stays locked after the retries, is left for the pass under lockout instead of failing the sync
   * (and is not re-read: changing once, it will change again). Nothing about it is recorded.
   */
  skipChanging?: boolean;
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
  /** Files left for a later pass (only with skipChanging). */
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
}

/** Thrown by sync() when its AbortSignal fires: the partial is left resumable. */
export class BackupInterruptedError extends RunFailedError {
  constructor(id: SnapshotId) {
    super(`the backup was interrupted; the partial snapshot ${id} will be resumed by the next run`);
  }
}

export interface OpenSnapshotOptions {
  dest: string;
  log: Logger;
  now?: () => Date;
  /** The destination's file system (local by default; faulty in tests). */
  fs?: FileSystem;
}

const posixRel = (rel: string) => rel.split('/');

const COMMIT_RENAME_RETRY = { retries: 10, retryMinTimeoutMs: 200, retryMaxTimeMs: 60_000 };
/** Folders whose times are set and entries fsynced at once during the commit. */
const COMMIT_DIR_CONCURRENCY = 8;

function attributesOf(mode: number): ManifestEntry['attributes'] {
  const m = mode & 0o7777;
  return sharedAttributes(m, (m & 0o200) === 0);
}

/**
 * The entry of a file linked unchanged from the previous snapshot: the previous entry itself when nothing
 * differs, else a copy that reuses its strings where equal. A 100,000-file store then holds one entry per
 * unchanged file for both snapshots, not two.
 */
function linkedEntry(
  from: ManifestEntry,
  rel: string,
  current: { size: number; mtimeNs: string },
  mode: number,
): ManifestEntry {
  const attributes = attributesOf(mode);
  // Nothing differs (the usual case): the previous entry itself (entries are never modified).
  if (
    from.path === rel &&
    from.size === current.size &&
    from.mtimeNs === current.mtimeNs &&
    from.attributes === attributes
  )
    return from;
  return {
    ...from,
    path: from.path === rel ? from.path : rel,
    size: current.size,
    mtimeNs: from.mtimeNs === current.mtimeNs ? from.mtimeNs : current.mtimeNs,
    attributes,
  };
}

/** rm -rf that also treats "a parent is no longer a folder" (ENOTDIR) as already gone. */
async function rmTree(fs: FileSystem, p: string): Promise<void> {
  try {
    await fs.rm(p, { recursive: true, force: true });
  } catch (err) {
    if (errnoCode(err) !== 'ENOTDIR') throw err;
  }
}

async function removeIfExists(fs: FileSystem, p: string): Promise<void> {
  try {
    await fs.unlink(p);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return;
    if (code === 'EISDIR' || code === 'EPERM') {
      const st = await fs.lstat(p).catch(() => null);
      if (st?.isDirectory()) {
        await fs.rm(p, { recursive: true, force: true });
        return;
      }
    }
    throw err;
  }
}

/**
 * A snapshot being built in DEST/in-progress/<id>/ (new, or resumed after an interruption). Holds the
 * store lock from open until release(). See ./backup.ts for the API overview.
 */
export class SnapshotInProgress {
  private previousIndex: Map<string, ManifestEntry> | null = null;
  private previousLoaded = false;
  private readonly warningKeys = new Set<string>();
  readonly warnings: string[] = [];
  private bytesCopiedThisRun = 0;
  private filesCopiedThisRun = 0;
  private filesLinkedThisRun = 0;
  /** True when the partial may hold leftovers not in the checkpoint (resumed, or a sync failed). */
  private dirty: boolean;
  /** Files the last sync left for a later pass (skipChanging): it cannot be committed as it is. */
  private leftFiles = 0;
  private lastSource: string | null;
  private closed = false;
  private committed = false;

  private constructor(
    readonly dest: string,
    readonly id: SnapshotId,
    readonly resumed: boolean,
    readonly openedAt: Date,
    private readonly fs: FileSystem,
    private readonly log: Logger,
    private readonly lock: HeldLock,
    private readonly checkpoint: Checkpoint,
    private readonly now: () => Date,
  ) {
    this.dirty = resumed;
    this.lastSource = resumed ? checkpoint.state.source : null;
  }

  get partialDir(): string {
    return partialDir(this.dest, this.id);
  }

  get previousSnapshotId(): SnapshotId | null {
    return this.checkpoint.state.previousSnapshotId;
  }

  /** Opens the store (creating it if needed), takes its lock, and resumes the newest partial or starts a new one. */
  static async open(options: OpenSnapshotOptions): Promise<SnapshotInProgress> {
    const fs = options.fs ?? localFs;
    const now = options.now ?? (() => new Date());
    const dest = path.resolve(options.dest);
    await ensureStore(fs, dest);
    const layout = storeLayout(dest);
    const lock = await acquireStoreLock(dest, { fs, purpose: 'backup' });
    try {
      await finishInterruptedCommits(fs, dest, options.log);
      const partials = await listPartials(fs, dest);
      const complete = await listSnapshots(dest, fs);
      const newest = complete.at(-1)?.id ?? null;
      const resumeId = partials.at(-1);
      for (const stale of partials.slice(0, -1)) {
        options.log.warn(
          { partial: stale },
          `leaving an older partial snapshot ${stale} alone; only the newest is resumed`,
        );
      }
      if (resumeId !== undefined) {
        const stateDir = partialStateDir(dest, resumeId);
        try {
          const checkpoint = await Checkpoint.open(fs, stateDir);
          options.log.info(
            { snapshot: resumeId, done: checkpoint.done.size },
            `resuming the interrupted snapshot ${resumeId}`,
          );
          return new SnapshotInProgress(dest, resumeId, true, now(), fs, options.log, lock, checkpoint, now);
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
          // A partial whose state was never written (killed in the first instant): start it over.
          options.log.warn(
            { partial: resumeId },
            `the partial snapshot ${resumeId} has no usable checkpoint; starting it over`,
          );
          await fs.rm(partialDir(dest, resumeId), { recursive: true, force: true });
          await fs.rm(stateDir, { recursive: true, force: true });
        }
      }
      const id = await newSnapshotId(fs, dest, now(), newest ?? undefined);
      const state: PartialState = {
        format: 'avimark-backup-partial',
        version: 1,
        snapshotId: id,
        source: '',
        startedAt: now().toISOString(),
        previousSnapshotId: newest,
      };
      const checkpoint = await Checkpoint.create(fs, partialStateDir(dest, id), state);
      // A retry after an attempt that created the folder but reported an error finds it there: fine.
      await withRetry(
        (attempt) =>
          fs.mkdir(partialDir(dest, id)).then(
            () => undefined,
            (err: unknown) => {
              if (attempt > 1 && errnoCode(err) === 'EEXIST') return;
              throw err;
            },
          ),
        METADATA_RETRY,
      );
      await fsyncDir(fs, layout.inProgressDir);
      options.log.info({ snapshot: id, previous: newest }, `starting snapshot ${id}`);
      return new SnapshotInProgress(dest, id, false, now(), fs, options.log, lock, checkpoint, now);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  private warnOnce(key: string, message: string): void {
    if (this.warningKeys.has(key)) return;
    this.warningKeys.add(key);
    this.warnings.push(message);
    this.log.warn(message);
  }

  private async previous(): Promise<Map<string, ManifestEntry> | null> {
    if (this.previousLoaded) return this.previousIndex;
    this.previousLoaded = true;
    let prevId = this.checkpoint.state.previousSnapshotId;
    const complete = await listSnapshots(this.dest, this.fs);
    if (prevId !== null && !complete.some((s) => s.id === prevId)) {
      // Pruned since the partial began: use the newest complete snapshot older than this one instead.
      prevId = complete.filter((s) => compareSnapshotIds(s.id, this.id) < 0).at(-1)?.id ?? null;
    }
    if (prevId !== null) {
      try {
        this.previousIndex = await loadManifestIndex(this.fs, manifestPath(this.dest, prevId));
        this.previousId = prevId;
      } catch (err) {
        if (!(err instanceof ManifestFormatError)) throw err;
        // A damaged older manifest must not block every future backup: copy everything this time.
        this.warnOnce(
          'previous-manifest',
          `the manifest of snapshot ${prevId} is damaged (${err.message}); every file was copied instead of linked — run verify`,
        );
      }
    }
    return this.previousIndex;
  }

  private previousId: SnapshotId | null = null;
  /** Files whose link to the previous snapshot failed in this run (they are copied instead). */
  private readonly linkFailed = new Set<string>();

  private destPath(rel: string): string {
    return path.join(this.partialDir, ...posixRel(rel));
  }

  /**
   * Brings the partial up to date with `sourceRoot`: copies new and changed files, links unchanged ones,
   * removes what the source no longer has. May be called several times (presync: online pass, then the
   * offline catch-up, which only touches what changed). Throws BackupInterruptedError when `signal` fires
   * and a RunFailedError naming the file on a permanent error; the partial stays resumable either way.
   */
  async sync(options: SyncOptions): Promise<SyncResult> {
    if (this.closed || this.committed) throw new Error('sync() after commit() or release()');
    const started = Date.now();
    const sourceFs = options.sourceFs ?? localFs;
    const sourceRoot = path.resolve(options.sourceRoot);
    const engine = options.engine;
    const checksum = options.checksum ?? engine.checksum;
    if (this.checkpoint.state.source === '') {
      this.checkpoint.state.source = sourceRoot;
      await writeFileAtomic(
        this.fs,
        Checkpoint.statePath(partialStateDir(this.dest, this.id)),
        `${JSON.stringify(this.checkpoint.state, null, 2)}\n`,
      );
    }
    this.lastSource = sourceRoot;
    const previous = await this.previous();
    const internal = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
    const progress: BackupProgress = {
      phase: 'sync',
      filesSeen: 0,
      bytesSeen: 0,
      filesDone: 0,
      bytesDone: 0,
      filesCopied: 0,
      filesLinked: 0,
      bytesCopied: 0,
      scanFinished: false,
      currentFile: null,
    };
    let lastReport = 0;
    const report = (force = false) => {
      if (!options.onProgress) return;
      const t = Date.now();
      if (!force && t - lastReport < 200) return;
      lastReport = t;
      options.onProgress({ ...progress });
    };
    const result: SyncResult = {
      filesTotal: 0,
      bytesTotal: 0,
      filesCopied: 0,
      filesLinked: 0,
      filesKept: 0,
      bytesCopied: 0,
      removed: 0,
      filesSkipped: 0,
      durationSeconds: 0,
    };
    const seen = new Set<string>();
    const running = new Set<Promise<void>>();
    let firstError: unknown = null;
    const fail = (err: unknown) => {
      if (firstError === null) firstError = err;
      internal.abort();
    };
    const durable = new SyncBatch();
    const skipChanging = options.skipChanging ?? false;
    const ctx: FileContext = {
      sourceFs,
      engine,
      checksum,
      signal,
      previous,
      progress,
      result,
      report,
      durable,
      skipChanging,
    };
    const leaveForLater = (entry: ScanEntry) => async (err: unknown) => {
      if (!skipChanging || signal.aborted || !isChangingOrLocked(err)) return fail(err);
      result.filesSkipped += 1;
      this.log.info(
        { file: entry.rel },
        `"${entry.rel}" is in use (${errorMessage(err)}); left for the pass under lockout`,
      );
      // Whatever the attempt left (a half-written copy) goes, and the journal no longer claims the file.
      try {
        await rmTree(this.fs, this.destPath(entry.rel));
        if (this.checkpoint.done.has(entry.rel)) await this.checkpoint.record({ t: 'del', p: entry.rel });
      } catch (cleanupErr) {
        fail(cleanupErr);
      }
    };
    const scanFs = retryingFs(sourceFs, engine, {
      signal,
      onRetry: (err) => this.log.warn({ code: errnoCode(err) }, `retrying a folder read: ${describeFsError(err)}`),
    });
    try {
      try {
        for await (const entry of scanTree(scanFs, sourceRoot, { exclude: engine.exclude, signal })) {
          if (firstError !== null) break;
          if (entry.type === 'special') {
            this.warnOnce(`special:${entry.rel}`, `skipped "${entry.rel}": not a regular file, folder or link`);
            continue;
          }
          seen.add(previous?.get(entry.rel)?.path ?? entry.rel); // the previous entry's string: one copy per path
          if (entry.type === 'dir') await this.syncDir(entry);
          else if (entry.type === 'symlink') await this.syncSymlink(entry, scanFs);
          else {
            progress.filesSeen += 1;
            progress.bytesSeen += Number(entry.stat.size);
            const task: Promise<void> = this.syncFile(entry, ctx)
              .catch(leaveForLater(entry))
              .finally(() => running.delete(task));
            running.add(task);
            while (running.size >= engine.concurrency) await Promise.race(running);
          }
        }
        progress.scanFinished = true;
        report(true);
      } catch (err) {
        fail(err);
      }
      await Promise.all(running);
      if (firstError === null) await durable.flush().catch(fail);
      if (firstError === null) {
        for (const gone of planRemovals(this.checkpoint.done.keys(), seen)) {
          signal.throwIfAborted();
          await rmTree(this.fs, this.destPath(gone));
          await this.checkpoint.record({ t: 'del', p: gone });
          result.removed += 1;
        }
        if (this.dirty) await this.sweepStrays(signal);
      }
    } catch (err) {
      fail(err);
    } finally {
      // Copies finished before a failure or an abort are kept: made durable and recorded, not redone.
      await durable.flush().catch(() => undefined);
      await durable.discard();
      await this.checkpoint.flush().catch(() => undefined);
    }
    if (firstError !== null) {
      this.dirty = true;
      if (options.signal?.aborted) throw new BackupInterruptedError(this.id);
      throw toRunError(firstError);
    }
    this.leftFiles = result.filesSkipped;
    for (const d of this.checkpoint.done.values()) {
      if (d.entry.type === 'file') {
        result.filesTotal += 1;
        result.bytesTotal += d.entry.size;
      }
    }
    result.durationSeconds = (Date.now() - started) / 1000;
    report(true);
    this.log.info({ snapshot: this.id, ...result }, 'sync finished');
    return result;
  }

  private async syncDir(entry: ScanEntry): Promise<void> {
    const rel = entry.rel;
    const dst = this.destPath(rel);
    const done = this.checkpoint.done.get(rel);
    if (done && done.how !== 'dir') {
      await this.fs.rm(dst, { recursive: true, force: true });
      await this.checkpoint.record({ t: 'del', p: rel });
    }
    try {
      await this.fs.mkdir(dst);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const st = await this.fs.lstat(dst);
      if (!st.isDirectory()) {
        await this.fs.rm(dst, { force: true });
        await this.fs.mkdir(dst);
      }
    }
    const dirEntry: ManifestEntry = {
      path: rel,
      type: 'dir',
      size: 0,
      mtimeNs: entry.stat.mtimeNs.toString(),
      sha256: null,
      attributes: attributesOf(Number(entry.stat.mode)),
    };
    const cur = this.checkpoint.done.get(rel);
    if (!cur || cur.entry.mtimeNs !== dirEntry.mtimeNs || cur.entry.attributes.mode !== dirEntry.attributes.mode) {
      await this.checkpoint.record({ t: 'done', how: 'dir', e: dirEntry });
    }
  }

  private async syncSymlink(entry: ScanEntry, sourceFs: FileSystem): Promise<void> {
    const rel = entry.rel;
    const target = await sourceFs.readlink(entry.abs);
    const done = this.checkpoint.done.get(rel);
    const dst = this.destPath(rel);
    if (done?.how === 'symlink' && done.entry.linkTarget === target) {
      const exists = await this.fs.lstat(dst).then(
        (s) => s.isSymbolicLink(),
        () => false,
      );
      if (exists || this.warningKeys.has('symlink')) return;
    }
    await removeIfExists(this.fs, dst);
    try {
      let type: 'file' | 'dir' | 'junction' = 'file';
      if (process.platform === 'win32') {
        const targetIsDir = await sourceFs.stat(entry.abs).then(
          (s) => s.isDirectory(),
          () => false,
        );
        if (targetIsDir) type = 'junction';
      }
      await this.fs.symlink(target, dst, type);
    } catch (err) {
      this.warnOnce(
        'symlink',
        `links could not be recreated in the snapshot (${errnoCode(err) ?? String(err)}); they are recorded in the manifest only (first: "${rel}")`,
      );
    }
    await this.checkpoint.record({
      t: 'done',
      how: 'symlink',
      e: {
        path: rel,
        type: 'symlink',
        size: 0,
        mtimeNs: entry.stat.mtimeNs.toString(),
        sha256: null,
        attributes: attributesOf(Number(entry.stat.mode)),
        linkTarget: target,
      },
    });
  }

  /** The checkpoint says `done` is in the partial: check it still is (power cuts can lose recent links). */
  private async partialHolds(dst: string, done: DoneRecord): Promise<boolean> {
    try {
      const st = await this.fs.lstat(dst);
      if (!st.isFile() || st.size !== done.entry.size) return false;
      // Our own copy whose chmod was lost (power cut right after the fsync): make it read-only now.
      if (done.how === 'copy' && st.nlink === 1 && (st.mode & 0o222) !== 0) await this.fs.chmod(dst, st.mode & 0o7555);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The common case of a nightly run, without opening the source: the scan's lstat says the file is
   * unchanged (size + time), so it is kept or hard-linked. Returns false when the file must be opened
   * (it changed, is new, --checksum, or linking failed and it is copied instead); copies always read
   * size and time from the open handle.
   */
  private async syncUnchanged(entry: ScanEntry, ctx: FileContext): Promise<boolean> {
    if (ctx.checksum) return false;
    const rel = entry.rel;
    const current = { size: Number(entry.stat.size), mtimeNs: entry.stat.mtimeNs.toString() };
    let done = this.checkpoint.done.get(rel);
    if (done && done.how !== 'copy' && done.how !== 'link') return false;
    const dst = this.destPath(rel);
    if (done && !(await this.partialHolds(dst, done))) done = undefined;
    const decision = planFile({
      current,
      done,
      previous: ctx.previous?.get(rel),
      partial: this.checkpoint.partials.get(rel),
      checksum: false,
      largeFileBytes: ctx.engine.largeFileBytes,
    });
    if (decision.action === 'keep') {
      ctx.result.filesKept += 1;
    } else if (decision.action === 'link') {
      ctx.progress.currentFile = rel;
      if (!(await this.tryLink(rel, decision.from, dst))) return false;
      await this.checkpoint.record({
        t: 'done',
        how: 'link',
        e: linkedEntry(decision.from, rel, current, Number(entry.stat.mode)),
      });
      ctx.result.filesLinked += 1;
      this.filesLinkedThisRun += 1;
      ctx.progress.filesLinked += 1;
    } else {
      return false;
    }
    ctx.progress.filesDone += 1;
    ctx.progress.bytesDone += current.size;
    ctx.report();
    return true;
  }

  private async syncFile(entry: ScanEntry, ctx: FileContext): Promise<void> {
    const rel = entry.rel;
    const policy = ctx.engine;
    let mustCopy = false;
    let decided = false; // the unchanged-file check ran to a decision (no need to repeat it)
    try {
      // Without the retry machinery first: most files of a nightly run take this path.
      if (await this.syncUnchanged(entry, ctx)) return;
      mustCopy = this.linkFailed.has(rel);
      decided = true;
    } catch (err) {
      if (err instanceof AppError || ctx.signal.aborted) throw err;
      if (!isTransient(err))
        throw new RunFailedError(`cannot back up "${rel}": ${describeFsError(err)}`, undefined, { cause: err });
      // Transient: tried again below, with backoff.
    }
    await withRetry(
      async () => {
        ctx.signal.throwIfAborted();
        if (!decided) {
          if (await this.syncUnchanged(entry, ctx)) return;
          // Opened below; a link that failed above is not tried again.
          mustCopy = this.linkFailed.has(rel);
          decided = true;
        }
        let handle: FileHandle;
        try {
          handle = await ctx.sourceFs.open(entry.abs, 'r');
        } catch (err) {
          if (errnoCode(err) === 'ENOENT') {
            // Deleted between the listing and now: it is simply not part of this snapshot.
            this.log.info({ file: rel }, 'file disappeared during the scan');
            if (this.checkpoint.done.has(rel)) {
              await rmTree(this.fs, this.destPath(rel));
              await this.checkpoint.record({ t: 'del', p: rel });
            }
            return;
          }
          throw err;
        }
        try {
          await this.processOpenFile(rel, handle, ctx, mustCopy);
        } finally {
          await handle.close().catch(() => undefined);
        }
      },
      policy,
      {
        signal: ctx.signal,
        shouldRetry: (err) => isTransient(err) && !(err instanceof AppError),
        onRetry: (err, attempt, left) =>
          this.log.warn(
            { file: rel, code: errnoCode(err), attempt, retriesLeft: left },
            `retrying "${rel}": ${describeFsError(err)}`,
          ),
      },
    ).catch((err: unknown) => {
      if (err instanceof AppError || ctx.signal.aborted) throw err;
      throw new RunFailedError(`cannot back up "${rel}": ${describeFsError(err)}`, undefined, { cause: err });
    });
  }

  private async processOpenFile(rel: string, handle: FileHandle, ctx: FileContext, mustCopy: boolean): Promise<void> {
    const st = await handle.stat({ bigint: true });
    const current = { size: Number(st.size), mtimeNs: st.mtimeNs.toString() };
    const dst = this.destPath(rel);
    let done = this.checkpoint.done.get(rel);
    if (done && done.how !== 'copy' && done.how !== 'link') {
      // It was a folder or a link at the previous sync: clear the way for the file.
      await this.fs.rm(dst, { recursive: true, force: true });
      await this.checkpoint.record({ t: 'del', p: rel });
      done = undefined;
    }
    if (done && !(await this.partialHolds(dst, done))) done = undefined;
    let decision: FileDecision = planFile({
      current,
      done,
      previous: ctx.previous?.get(rel),
      partial: this.checkpoint.partials.get(rel),
      checksum: ctx.checksum,
      largeFileBytes: ctx.engine.largeFileBytes,
    });
    ctx.progress.currentFile = rel;
    if (mustCopy && decision.action === 'link') decision = { action: 'copy', reason: 'changed' };
    if (decision.action === 'hash-then-decide') {
      const hashed = await hashHandle(handle, ctx.signal);
      const settled = hashed.before.mtimeNs === hashed.after.mtimeNs && hashed.before.size === hashed.after.size;
      decision =
        settled && hashed.before.mtimeNs.toString() === current.mtimeNs
          ? decideAfterHash(decision.candidate, hashed.sha256)
          : { action: 'copy', reason: 'changed' };
      if (decision.action === 'link') current.mtimeNs = hashed.after.mtimeNs.toString();
    }
    if (decision.action === 'keep') {
      ctx.result.filesKept += 1;
    } else if (decision.action === 'link') {
      const linked = await this.tryLink(rel, decision.from, dst);
      if (linked) {
        await this.checkpoint.record({
          t: 'done',
          how: 'link',
          e: linkedEntry(decision.from, rel, current, Number(st.mode)),
        });
        ctx.result.filesLinked += 1;
        this.filesLinkedThisRun += 1;
        ctx.progress.filesLinked += 1;
      } else {
        await this.copy(rel, handle, dst, 0, ctx);
      }
    } else {
      let offset = 0;
      if (decision.action === 'resume') {
        const ok = await this.fs.lstat(dst).then(
          (s) => s.isFile() && s.nlink === 1,
          () => false,
        );
        if (ok) {
          offset = decision.offset;
          ctx.progress.bytesDone += offset;
          this.log.info({ file: rel, offset }, `continuing "${rel}" at byte ${offset}`);
        }
      }
      await this.copy(rel, handle, dst, offset, ctx);
    }
    ctx.progress.filesDone += 1;
    if (decision.action === 'keep' || decision.action === 'link') ctx.progress.bytesDone += current.size; // copies count as they go
    ctx.report();
  }

  private async tryLink(rel: string, from: ManifestEntry, dst: string): Promise<boolean> {
    const prevId = this.previousId;
    if (prevId === null) return false;
    const source = path.join(snapshotDir(this.dest, prevId), ...posixRel(from.path));
    try {
      try {
        await this.fs.link(source, dst);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        // A leftover of an interrupted run (or of the previous sync) holds the name: replace it.
        await removeIfExists(this.fs, dst);
        await this.fs.link(source, dst);
      }
    } catch (err) {
      this.linkFailed.add(rel);
      const code = errnoCode(err) ?? 'UNKNOWN';
      if (code === 'ENOENT') {
        this.warnOnce(`missing:${rel}`, `"${rel}" was missing from snapshot ${prevId}; copied it instead`);
        return false;
      }
      if (LINK_FALLBACK_CODES.has(code)) {
        this.warnOnce(
          'link-fallback',
          `hard links failed on the destination (${code}, first: "${rel}"); unchanged files were copied instead, which uses more space`,
        );
        return false;
      }
      throw err;
    }
    // Never propagate a damaged older copy: the linked file must still have the size the manifest says.
    const st = await this.fs.lstat(dst);
    if (st.size !== from.size) {
      this.linkFailed.add(rel);
      await this.fs.unlink(dst);
      this.warnOnce(
        `damaged:${rel}`,
        `"${rel}" in snapshot ${prevId} has the wrong size (run verify); copied it instead`,
      );
      return false;
    }
    return true;
  }

  private async copy(
    rel: string,
    handle: FileHandle,
    dst: string,
    resumeFrom: number,
    ctx: FileContext,
  ): Promise<void> {
    const saved = await saveFile({
      source: handle,
      sourceLabel: rel,
      dstFs: this.fs,
      dstPath: dst,
      resumeFrom,
      unstableRetries: ctx.skipChanging ? 0 : ctx.engine.unstableRetries,
      largeFileBytes: ctx.engine.largeFileBytes,
      signal: ctx.signal,
      onBytes: (n) => {
        ctx.progress.bytesCopied += n;
        ctx.progress.bytesDone += n;
        ctx.report();
      },
      onCheckpoint: async (offset: number, stat: BigIntStats) => {
        await this.checkpoint.record({
          t: 'part',
          p: rel,
          off: offset,
          size: Number(stat.size),
          mtimeNs: stat.mtimeNs.toString(),
        });
      },
      deferSync: true,
    });
    const finished = () =>
      this.checkpoint.record({
        t: 'done',
        how: 'copy',
        e: {
          path: rel,
          type: 'file',
          size: saved.size,
          mtimeNs: saved.mtimeNs,
          sha256: saved.sha256,
          attributes: attributesOf(saved.mode),
        },
      });
    // Recorded as finished only once a batch has fsynced it (see SyncBatch).
    if (saved.unsynced) await ctx.durable.add(saved.unsynced, saved.size, finished);
    else await finished();
    const read = saved.bytesRead;
    ctx.result.filesCopied += 1;
    ctx.result.bytesCopied += read;
    this.filesCopiedThisRun += 1;
    this.bytesCopiedThisRun += read;
    ctx.progress.filesCopied += 1;
  }

  /** Removes anything in the partial the checkpoint does not know (leftovers of an interrupted copy). */
  private async sweepStrays(signal: AbortSignal): Promise<void> {
    const strays: string[] = [];
    for await (const entry of scanTree(this.fs, this.partialDir, { signal, caseInsensitive: false })) {
      const done = this.checkpoint.done.get(entry.rel);
      const expected = done ? (done.how === 'dir' ? 'dir' : done.how === 'symlink' ? 'symlink' : 'file') : null;
      if (expected !== entry.type) strays.push(entry.rel);
    }
    for (const rel of strays) {
      this.log.info({ path: rel }, 'removing a leftover of the interrupted run');
      await rmTree(this.fs, this.destPath(rel));
    }
    this.dirty = false;
  }

  /** Counts from the checkpoint: what the snapshot holds right now. */
  private tally(): { filesTotal: number; bytesTotal: number; filesLinked: number; filesCopied: number } {
    let filesTotal = 0;
    let bytesTotal = 0;
    let filesLinked = 0;
    let filesCopied = 0;
    for (const d of this.checkpoint.done.values()) {
      if (d.entry.type !== 'file') continue;
      filesTotal += 1;
      bytesTotal += d.entry.size;
      if (d.how === 'link') filesLinked += 1;
      else filesCopied += 1;
    }
    return { filesTotal, bytesTotal, filesLinked, filesCopied };
  }

  /**
   * Makes the partial a snapshot: folder times, manifest and run record fsynced into DEST/meta/<id>/, then
   * the atomic rename in-progress/<id> → snapshots/<id>, then `latest`, then the checkpoint is removed.
   * A crash before the rename leaves a resumable partial; after it, a complete snapshot.
   */
  async commit(extras: CommitExtras): Promise<RunRecord> {
    if (this.closed || this.committed) throw new Error('commit() after commit() or release()');
    if (this.lastSource === null) throw new Error('commit() before any sync()');
    if (this.dirty)
      throw new RunFailedError(`snapshot ${this.id} is not in sync with the source (the last sync failed)`);
    if (this.leftFiles > 0)
      throw new RunFailedError(
        `snapshot ${this.id} is not in sync with the source (the last sync left ${this.leftFiles} file(s) in use for a later pass)`,
      );
    let record: RunRecord;
    try {
      record = await this.writeAndRename(extras, this.lastSource);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new RunFailedError(
        `could not commit snapshot ${this.id}: ${describeFsError(err)}`,
        'the partial snapshot is kept and the next run finishes it; earlier snapshots are untouched',
        { cause: err },
      );
    }
    this.committed = true;
    await this.checkpoint.close().catch(() => undefined);
    this.closed = true;
    try {
      await finishCommit(this.fs, this.dest, this.id, this.log);
    } catch (err) {
      // The snapshot is complete and listed; the checkpoint cleanup is redone by the next run.
      this.log.warn(
        { snapshot: this.id, err: describeFsError(err) },
        `snapshot ${this.id} is complete, but removing its checkpoint failed`,
      );
    }
    this.log.info(
      {
        snapshot: this.id,
        filesTotal: record.filesTotal,
        filesCopied: record.filesCopied,
        filesLinked: record.filesLinked,
      },
      `snapshot ${this.id} committed`,
    );
    return record;
  }

  private async writeAndRename(extras: CommitExtras, source: string): Promise<RunRecord> {
    await this.checkpoint.flush();
    const entries = [...this.checkpoint.done.values()]
      .map((d) => d.entry)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    // Deepest folders first, so setting a parent's time is not undone by touching a child.
    const dirs = entries
      .filter((e) => e.type === 'dir')
      .sort((a, b) => b.path.split('/').length - a.path.split('/').length);
    // Setting a folder's time does not touch its parent's entries, so folders can go in parallel.
    await forEachLimited(dirs, COMMIT_DIR_CONCURRENCY, async (dir) => {
      const dst = this.destPath(dir.path);
      const t = utimesSeconds(dir.mtimeNs);
      await this.fs.utimes(dst, t, t);
      await fsyncDir(this.fs, dst);
    });
    await fsyncDir(this.fs, this.partialDir);
    const meta = metaDir(this.dest, this.id);
    // Whatever an earlier, interrupted commit of this id left there (the id is not a snapshot yet).
    await withRetry(() => this.fs.rm(meta, { recursive: true, force: true }), METADATA_RETRY);
    await withRetry(() => this.fs.mkdir(meta, { recursive: true }), METADATA_RETRY);
    await writeManifest(
      this.fs,
      manifestPath(this.dest, this.id),
      {
        format: 'avimark-backup-manifest',
        version: 1,
        snapshotId: this.id,
        source,
        createdAt: this.now().toISOString(),
      },
      entries,
      entries.length,
    );
    const tally = this.tally();
    const startedAt = extras.startedAt ?? this.openedAt;
    const endedAt = this.now();
    const record: RunRecord = {
      snapshotId: this.id,
      result: 'success',
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationSeconds: Math.max(0, (endedAt.getTime() - startedAt.getTime()) / 1000),
      mode: extras.mode,
      source,
      filesTotal: tally.filesTotal,
      filesCopied: tally.filesCopied,
      filesLinked: tally.filesLinked,
      bytesTotal: tally.bytesTotal,
      bytesCopied: this.bytesCopiedThisRun,
      offlineSeconds: extras.offlineSeconds,
      lockoutSteps: extras.lockoutSteps,
      resumed: this.resumed,
      warnings: [...this.warnings, ...extras.warnings],
      errors: [],
    };
    await writeRunRecord(this.dest, record, this.fs);
    await fsyncDir(this.fs, storeLayout(this.dest).metaRoot);
    const layout = storeLayout(this.dest);
    // Antivirus or Explorer holding a handle inside the folder briefly blocks the rename on Windows.
    await withRetry(() => this.fs.rename(this.partialDir, snapshotDir(this.dest, this.id)), COMMIT_RENAME_RETRY, {
      onRetry: (err) => this.log.warn({ code: errnoCode(err) }, `retrying the final rename of snapshot ${this.id}`),
    });
    await fsyncDir(this.fs, layout.snapshotsDir);
    await fsyncDir(this.fs, layout.inProgressDir);
    return record;
  }

  /** Counts of this process's work (a resumed run does not count what the interrupted run did). */
  get thisRun(): { filesCopied: number; filesLinked: number; bytesCopied: number } {
    return {
      filesCopied: this.filesCopiedThisRun,
      filesLinked: this.filesLinkedThisRun,
      bytesCopied: this.bytesCopiedThisRun,
    };
  }

  /** Leaves the partial (if not committed) for the next run to resume and drops the store lock. Idempotent. */
  async release(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.checkpoint.close().catch(() => undefined);
    }
    await this.lock.release();
  }
}

interface FileContext {
  sourceFs: FileSystem;
  engine: EngineConfig;
  checksum: boolean;
  signal: AbortSignal;
  previous: Map<string, ManifestEntry> | null;
  progress: BackupProgress;
  result: SyncResult;
  report: () => void;
  /** Fsyncs copies in batches before they are recorded as finished. */
  durable: SyncBatch;
  /** See SyncOptions.skipChanging. */
  skipChanging: boolean;
}

/** A file in use by a running AVImark: it kept changing, or stayed locked (sharing or byte-range lock). */
function isChangingOrLocked(err: unknown): boolean {
  return err instanceof UnstableFileError || isInUse(err) || (err instanceof Error && isInUse(err.cause));
}

function toRunError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const where = (err as NodeJS.ErrnoException | null)?.path;
  return new RunFailedError(`the backup failed${where ? ` at "${where}"` : ''}: ${describeFsError(err)}`, undefined, {
    cause: err,
  });
}

async function listPartials(fs: FileSystem, dest: string): Promise<SnapshotId[]> {
  const dir = storeLayout(dest).inProgressDir;
  const ids: SnapshotId[] = [];
  for (const name of await fs.readdir(dir)) {
    if (!isSnapshotId(name)) continue;
    const st = await fs.lstat(path.join(dir, name));
    if (st.isDirectory()) ids.push(name);
  }
  return ids.sort(compareSnapshotIds);
}

/** Steps after the rename: point `latest` at the newest snapshot and drop the checkpoint. Idempotent. */
async function finishCommit(fs: FileSystem, dest: string, id: SnapshotId, log: Logger): Promise<void> {
  const newest = (await listSnapshots(dest, fs)).at(-1)?.id;
  if (newest === id) {
    try {
      await updateLatest(fs, dest, id);
    } catch (err) {
      // `latest` is a convenience for people browsing the store (commands resolve "latest" from the
      // listing): a destination that cannot hold links or junctions (some NAS shares) must not fail runs.
      log.warn({ code: errnoCode(err) }, `could not point "latest" at snapshot ${id}: ${describeFsError(err)}`);
    }
  }
  await fs.rm(partialStateDir(dest, id), { recursive: true, force: true });
  await fsyncDir(fs, storeLayout(dest).inProgressDir);
}

/** A `.state` folder without its partial: the run died between the commit's rename and its cleanup. */
async function finishInterruptedCommits(fs: FileSystem, dest: string, log: Logger): Promise<void> {
  const dir = storeLayout(dest).inProgressDir;
  for (const name of await fs.readdir(dir)) {
    if (!name.endsWith('.state')) continue;
    const id = name.slice(0, -'.state'.length);
    if (!isSnapshotId(id)) continue;
    const partialExists = await fs.lstat(partialDir(dest, id)).then(
      () => true,
      () => false,
    );
    if (partialExists) continue;
    log.info({ snapshot: id }, `finishing the commit of snapshot ${id}`);
    await finishCommit(fs, dest, id, log);
  }
}

/**
 * Creates DEST and its folders on first use. A folder that is not empty and not a store is refused, so
 * a typo in --dest cannot scatter our folders into someone's documents.
 */
async function ensureStore(fs: FileSystem, dest: string): Promise<void> {
  const layout = storeLayout(dest);
  let names: string[] = [];
  try {
    names = await fs.readdir(dest);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  const ours = new Set(['snapshots', 'meta', 'in-progress', 'latest', 'store.json', 'lock']);
  // Leftovers of our own interrupted writes (a first run killed before store.json was renamed into place)
  // must not make the store look foreign forever.
  const leftover = (n: string) =>
    n.startsWith('latest.tmp-') || n.startsWith('lock.stale-') || n.startsWith('store.json.tmp-');
  for (const n of names.filter((name) => name.startsWith('store.json.tmp-'))) {
    await fs.rm(path.join(dest, n), { force: true });
  }
  if (!names.includes('store.json') && names.some((n) => !ours.has(n) && !leftover(n))) {
    throw new UsageError(
      `the destination ${dest} is not empty and is not an avimark-backup store`,
      'give an empty folder (or a new one) for the snapshots',
    );
  }
  for (const dir of [layout.snapshotsDir, layout.metaRoot, layout.inProgressDir]) {
    await withRetry(() => fs.mkdir(dir, { recursive: true }), METADATA_RETRY);
  }
  if (!names.includes('store.json')) {
    await writeFileAtomic(
      fs,
      layout.storeFile,
      `${JSON.stringify({ ...STORE_FORMAT, createdAt: new Date().toISOString(), host: os.hostname() }, null, 2)}\n`,
    );
  }
}
