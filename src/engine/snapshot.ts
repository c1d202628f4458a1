import path from 'node:path';
import { AppError, RunFailedError } from '../errors';
import { localFs } from '../fs/local';
import { removeIfExists } from '../fs/remove';
import { describeFsError } from '../fs/retry';
import type { FileSystem } from '../fs/types';
import type { Logger } from '../log/logger';
import { compareSnapshotIds, manifestPath, newSnapshotId, partialStateDir } from '../store/layout';
import { type HeldLock, acquireStoreLock } from '../store/lock';
import {
  createPartialDir,
  discardPartial,
  ensureStore,
  finishCommit,
  finishInterruptedCommits,
  listPartials,
} from '../store/partials';
import { listSnapshots } from '../store/snapshots';
import type { RunRecord, SnapshotId } from '../store/types';
import { Checkpoint, type PartialState } from './checkpoint';
import { type CommitGuard, writeAndRename } from './commit';
import { PartialSnapshot } from './partial';
import type { PreviousManifest } from './previous';
import { choosePartial, isUnwrittenCheckpoint } from './plan';
import { HeldList } from './held';
import { syncPartial } from './sync';
import { type SyncList, SyncListWriter, removeStaleLists, syncListPath } from './sync-list';
import type { CommitExtras, OpenSnapshotOptions, SyncOptions, SyncResult, ThisRun } from './types';

/** The partial to resume (with its checkpoint), or null to start a new one. */
async function resumable(
  fs: FileSystem,
  dest: string,
  log: Logger,
): Promise<{ id: SnapshotId; checkpoint: Checkpoint } | null> {
  const { resume, leftAlone } = choosePartial(await listPartials(fs, dest));
  for (const stale of leftAlone) {
    log.warn({ partial: stale }, `leaving an older partial snapshot ${stale} alone; only the newest is resumed`);
  }
  if (resume === null) return null;
  try {
    const checkpoint = await Checkpoint.open(fs, partialStateDir(dest, resume));
    log.info({ snapshot: resume, journalBytes: checkpoint.journalSize }, `resuming the interrupted snapshot ${resume}`);
    return { id: resume, checkpoint };
  } catch (err) {
    if (!isUnwrittenCheckpoint(err)) throw err;
    log.warn({ partial: resume }, `the partial snapshot ${resume} has no usable checkpoint; starting it over`);
    await discardPartial(fs, dest, resume);
    return null;
  }
}

/** A new partial, linked (later) from the newest complete snapshot. */
async function startPartial(
  fs: FileSystem,
  dest: string,
  now: () => Date,
  newest: SnapshotId | null,
): Promise<{ id: SnapshotId; checkpoint: Checkpoint }> {
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
  await createPartialDir(fs, dest, id);
  return { id, checkpoint };
}

/**
 * A snapshot being built in DEST/in-progress/<id>/ (new, or resumed after an interruption). Holds the
 * store lock from open until release(). See ./backup.ts for the API overview.
 */
export class SnapshotInProgress {
  /** The previous snapshot to compare against (undefined: not looked for yet). */
  private previousFound: PreviousManifest | null | undefined = undefined;
  /** True when the partial may hold leftovers not in the checkpoint (resumed, or a sync failed). */
  private dirty: boolean;
  /** Files the last sync left for a later pass (error policy 'skip'): it cannot be committed as it is. */
  private leftFiles = 0;
  private lastSource: string | null;
  private closed = false;
  private committed = false;
  private readonly partial: PartialSnapshot;
  /** What the last sync left, when it succeeded (the next sync looks the partial up in it; the commit writes it). */
  private lastList: SyncList | null = null;
  /** Syncs started by this process (numbers their lists). */
  private syncs = 0;

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
    this.partial = new PartialSnapshot(fs, dest, id, log, checkpoint);
    if (checkpoint.refusedLine !== null)
      this.partial.warnOnce(
        'journal-refused',
        `the checkpoint journal of ${id} holds a record this program could not have written (line ${checkpoint.refusedLine}: damaged or altered); what it recorded from there on is copied again`,
      );
  }

  get partialDir(): string {
    return this.partial.dir;
  }

  get previousSnapshotId(): SnapshotId | null {
    return this.checkpoint.state.previousSnapshotId;
  }

  get warnings(): string[] {
    return this.partial.warnings;
  }

  /** Opens the store (creating it if needed), takes its lock, and resumes the newest partial or starts a new one. */
  static async open(options: OpenSnapshotOptions): Promise<SnapshotInProgress> {
    const fs = options.fs ?? localFs;
    const now = options.now ?? (() => new Date());
    const dest = path.resolve(options.dest);
    await ensureStore(fs, dest);
    const lock = await acquireStoreLock(dest, { fs, purpose: 'backup' });
    try {
      await finishInterruptedCommits(fs, dest, options.log);
      const resumed = await resumable(fs, dest, options.log);
      if (resumed !== null) {
        const { id, checkpoint } = resumed;
        return new SnapshotInProgress(dest, id, true, now(), fs, options.log, lock, checkpoint, now);
      }
      const newest = (await listSnapshots(dest, fs)).at(-1)?.id ?? null;
      const { id, checkpoint } = await startPartial(fs, dest, now, newest);
      options.log.info({ snapshot: id, previous: newest }, `starting snapshot ${id}`);
      return new SnapshotInProgress(dest, id, false, now(), fs, options.log, lock, checkpoint, now);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  private async previous(): Promise<PreviousManifest | null> {
    if (this.previousFound !== undefined) return this.previousFound;
    let prevId = this.checkpoint.state.previousSnapshotId;
    const complete = await listSnapshots(this.dest, this.fs);
    if (prevId !== null && !complete.some((s) => s.id === prevId)) {
      // Pruned since the partial began: use the newest complete snapshot older than this one instead.
      prevId = complete.filter((s) => compareSnapshotIds(s.id, this.id) < 0).at(-1)?.id ?? null;
    }
    this.previousFound = prevId === null ? null : { id: prevId, manifest: manifestPath(this.dest, prevId) };
    return this.previousFound;
  }

  /**
   * Brings the partial up to date with `sourceRoot`: copies new and changed files, links unchanged ones,
   * removes what the source no longer has. May be called several times (presync: online pass, then the
   * offline catch-up, which only touches what changed). Throws BackupInterruptedError when `signal` fires
   * and a RunFailedError naming the file on a permanent error; the partial stays resumable either way.
   */
  async sync(options: SyncOptions): Promise<SyncResult> {
    if (this.closed || this.committed) throw new Error('sync() after commit() or release()');
    const sourceRoot = path.resolve(options.sourceRoot);
    await this.checkpoint.setSource(sourceRoot);
    this.lastSource = sourceRoot;
    const previous = await this.previous();
    const stateDir = partialStateDir(this.dest, this.id);
    if (this.syncs === 0) await removeStaleLists(this.fs, stateDir);
    this.syncs += 1;
    const before = this.lastList;
    this.lastList = null;
    const held = before ? HeldList.open(this.fs, before.file) : HeldList.over(await this.checkpoint.replayed());
    let outcome: { result: SyncResult; list: SyncList };
    try {
      const list = await SyncListWriter.create(this.fs, syncListPath(stateDir, this.syncs));
      outcome = await syncPartial(this.partial, options, previous, this.dirty, { held, list });
    } catch (err) {
      this.dirty = true; // the next sync replays the journal (the partial may hold more than `before` says now)
      throw err;
    } finally {
      await held.close().catch(() => undefined);
      if (before) await removeIfExists(this.fs, before.file).catch(() => undefined);
    }
    this.lastList = outcome.list;
    this.dirty = false;
    this.leftFiles = outcome.result.filesSkipped;
    return outcome.result;
  }

  /**
   * Makes the partial a snapshot: folder times, manifest and run record fsynced into DEST/meta/<id>/, then
   * the atomic rename in-progress/<id> → snapshots/<id>, then `latest`, then the checkpoint is removed.
   * A crash before the rename leaves a resumable partial; after it, a complete snapshot. `guard` (the
   * shrink and ransomware checks) may refuse the commit or have the snapshot marked suspect.
   */
  async commit(extras: CommitExtras, guard?: CommitGuard): Promise<RunRecord> {
    if (this.closed || this.committed) throw new Error('commit() after commit() or release()');
    if (this.lastSource === null) throw new Error('commit() before any sync()');
    if (this.dirty)
      throw new RunFailedError(`snapshot ${this.id} is not in sync with the source (the last sync failed)`);
    if (this.leftFiles > 0)
      throw new RunFailedError(
        `snapshot ${this.id} is not in sync with the source (the last sync left ${this.leftFiles} file(s) in use for a later pass)`,
      );
    const list = this.lastList;
    if (list === null) throw new Error('commit() without a finished sync list');
    let record: RunRecord;
    try {
      record = await writeAndRename({
        partial: this.partial,
        list,
        source: this.lastSource,
        extras,
        openedAt: this.openedAt,
        resumed: this.resumed,
        now: this.now,
        guard,
      });
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
    await this.finish();
    const { filesTotal, filesCopied, filesLinked } = record;
    this.log.info({ snapshot: this.id, filesTotal, filesCopied, filesLinked }, `snapshot ${this.id} committed`);
    return record;
  }

  /** `latest` and the checkpoint's removal, after the rename. */
  private async finish(): Promise<void> {
    try {
      await finishCommit(this.fs, this.dest, this.id, this.log);
    } catch (err) {
      // The snapshot is complete and listed; the checkpoint cleanup is redone by the next run.
      this.log.warn(
        { snapshot: this.id, err: describeFsError(err) },
        `snapshot ${this.id} is complete, but removing its checkpoint failed`,
      );
    }
  }

  /** Counts of this process's work (a resumed run does not count what the interrupted run did). */
  get thisRun(): ThisRun {
    return { ...this.partial.thisRun };
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
