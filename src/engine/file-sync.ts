import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { EngineConfig } from '../config/schema';
import { AppError, RunFailedError, errnoCode } from '../errors';
import { describeFsError, isTransient, withRetry } from '../fs/retry';
import { syncIo } from '../fs/sync-io';
import type { SourceFs } from '../fs/types';
import type { ManifestEntry } from '../store/types';
import { copiedEntry, linkedEntry } from './entries';
import { hashHandle, saveFile } from './file-saver';
import { linkFromPrevious } from './linker';
import type { PartialSnapshot } from './partial';
import {
  type DoneRecord,
  type FileDecision,
  type SourceStat,
  decideAfterHashedRead,
  overrideMustCopy,
  planFile,
  resumeOffset,
} from './plan';
import type { ScanEntry } from './scan';
import type { SyncBatch } from './sync-batch';
import type { BackupProgress, SyncResult } from './types';

/**
 * One source file into the partial (the per-file state machine): kept when the partial already holds it,
 * hard-linked from the previous snapshot when unchanged, else copied (resumed mid-file when a large copy
 * was interrupted). Decisions are planFile's; this file carries them out.
 */

/** What every file of one sync shares. */
export interface FileContext {
  sourceFs: SourceFs;
  /**
   * The source is on a network share (../fs/near-path.ts): its files are read through the thread pool only,
   * so a hung share never holds the event loop (small files on a local disk go through synchronous calls).
   */
  sourceFar: boolean;
  engine: EngineConfig;
  checksum: boolean;
  /** Re-reads of a file that changed while it was copied. */
  unstableRetries: number;
  signal: AbortSignal;
  progress: BackupProgress;
  result: SyncResult;
  report: (force?: boolean) => void;
  /** Fsyncs copies in batches before they are recorded as finished. */
  durable: SyncBatch;
}

const cannotBackUp = (rel: string, err: unknown) =>
  new RunFailedError(`cannot back up "${rel}": ${describeFsError(err)}`, undefined, { cause: err });

/**
 * Backs up one file, retrying transient errors; a permanent one throws a RunFailedError naming the file.
 * `previous`: the previous snapshot's entry at the same path (undefined: none, or not to be trusted);
 * `held`: the partial's record of the path when this sync began (undefined: none). Returns the partial's
 * record of the file afterwards (undefined: it disappeared from the source meanwhile).
 */
export async function syncFile(
  partial: PartialSnapshot,
  entry: ScanEntry,
  previous: ManifestEntry | undefined,
  held: DoneRecord | undefined,
  ctx: FileContext,
): Promise<DoneRecord | undefined> {
  const rel = entry.rel;
  const known: Known = { previous, held, mustCopy: false };
  let decided = false; // the unchanged-file check ran to a decision (no need to repeat it)
  let outcome: DoneRecord | undefined;
  try {
    // Without the retry machinery first: most files of a nightly run take this path.
    const unchanged = await syncUnchanged(partial, entry, known, ctx);
    if (unchanged !== null) return unchanged;
    known.mustCopy = partial.linkFailed.has(rel);
    decided = true;
  } catch (err) {
    if (err instanceof AppError || ctx.signal.aborted) throw err;
    if (!isTransient(err)) throw cannotBackUp(rel, err);
    // Transient: tried again below, with backoff.
  }
  await withRetry(
    async () => {
      ctx.signal.throwIfAborted();
      if (!decided) {
        const unchanged = await syncUnchanged(partial, entry, known, ctx);
        if (unchanged !== null) {
          outcome = unchanged;
          return;
        }
        // Opened below; a link that failed above is not tried again.
        known.mustCopy = partial.linkFailed.has(rel);
        decided = true;
      }
      let handle: FileHandle;
      try {
        handle = await ctx.sourceFs.open(entry.abs, 'r');
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
        // Deleted between the listing and now: it is simply not part of this snapshot.
        partial.log.info({ file: rel }, 'file disappeared during the scan');
        if (known.held !== undefined) await partial.forget(rel);
        known.held = undefined;
        outcome = undefined;
        return;
      }
      try {
        outcome = await syncOpenFile(partial, rel, handle, known, ctx);
      } finally {
        await handle.close().catch(() => undefined);
      }
    },
    ctx.engine,
    {
      signal: ctx.signal,
      shouldRetry: (err) => isTransient(err) && !(err instanceof AppError),
      onRetry: (err, attempt, left) =>
        partial.log.warn(
          { file: rel, code: errnoCode(err), attempt, retriesLeft: left },
          `retrying "${rel}": ${describeFsError(err)}`,
        ),
    },
  ).catch((err: unknown) => {
    if (err instanceof AppError || ctx.signal.aborted) throw err;
    throw cannotBackUp(rel, err);
  });
  return outcome;
}

/** The checkpoint says `done` is in the partial: check it still is (power cuts can lose recent links). */
async function partialHolds(partial: PartialSnapshot, dst: string, done: DoneRecord): Promise<boolean> {
  try {
    const st = await partial.fs.lstat(dst);
    if (!st.isFile() || st.size !== done.entry.size) return false;
    // Our own copy whose chmod was lost (power cut right after the fsync): make it read-only now.
    if (done.how === 'copy' && st.nlink === 1 && (st.mode & 0o222) !== 0) await partial.fs.chmod(dst, st.mode & 0o7555);
    return true;
  } catch {
    return false;
  }
}

/** The record `held` of a file when the partial still holds the file. */
async function heldFile(
  partial: PartialSnapshot,
  held: DoneRecord | undefined,
  dst: string,
): Promise<DoneRecord | undefined> {
  return held && (await partialHolds(partial, dst, held)) ? held : undefined;
}

async function recordLink(
  partial: PartialSnapshot,
  ctx: FileContext,
  rel: string,
  from: ManifestEntry,
  current: SourceStat,
  mode: number,
): Promise<DoneRecord> {
  const e = linkedEntry(from, rel, current, mode);
  await partial.checkpoint.record({ t: 'done', how: 'link', e });
  ctx.result.filesLinked += 1;
  partial.thisRun.filesLinked += 1;
  ctx.progress.filesLinked += 1;
  return { how: 'link', entry: e };
}

/**
 * The common case of a nightly run, without opening the source: the scan's lstat says the file is
 * unchanged (size + time), so it is kept or hard-linked. Returns false when the file must be opened
 * (it changed, is new, --checksum, or linking failed and it is copied instead); copies always read
 * size and time from the open handle. Returns the partial's record of the file (kept or linked), or
 * null when it must be opened.
 */
async function syncUnchanged(
  partial: PartialSnapshot,
  entry: ScanEntry,
  known: Known,
  ctx: FileContext,
): Promise<DoneRecord | null> {
  if (ctx.checksum) return null;
  const rel = entry.rel;
  const current = { size: Number(entry.stat.size), mtimeNs: entry.stat.mtimeNs.toString() };
  const recorded = known.held;
  if (recorded && recorded.how !== 'copy' && recorded.how !== 'link') return null;
  const dst = partial.destPath(rel);
  const done = await heldFile(partial, recorded, dst);
  const decision = planFile({
    current,
    done,
    previous: known.previous,
    partial: partial.checkpoint.partials.get(rel),
    checksum: false,
    largeFileBytes: ctx.engine.largeFileBytes,
  });
  let outcome: DoneRecord;
  if (decision.action === 'keep' && done !== undefined) {
    ctx.result.filesKept += 1;
    outcome = done;
  } else if (decision.action === 'link') {
    ctx.progress.currentFile = rel;
    if (!(await linkFromPrevious(partial, rel, decision.from, dst))) return null;
    outcome = await recordLink(partial, ctx, rel, decision.from, current, Number(entry.stat.mode));
  } else {
    return null;
  }
  ctx.progress.filesDone += 1;
  ctx.progress.bytesDone += current.size;
  ctx.report();
  return outcome;
}

/** What syncFile knows of a file before opening it. */
interface Known {
  /** The previous snapshot's entry at its path. */
  previous: ManifestEntry | undefined;
  /** The partial's record of its path (cleared when that goes). */
  held: DoneRecord | undefined;
  /** Linking it failed: copy it. */
  mustCopy: boolean;
}

/** Decides with the open handle's stat (hashing first for --checksum). */
async function decideOpenFile(
  partial: PartialSnapshot,
  rel: string,
  handle: FileHandle,
  st: BigIntStats,
  known: Known,
  ctx: FileContext,
): Promise<{ decision: FileDecision; current: SourceStat; done: DoneRecord | undefined }> {
  const current = { size: Number(st.size), mtimeNs: st.mtimeNs.toString() };
  const dst = partial.destPath(rel);
  const recorded = known.held;
  if (recorded && recorded.how !== 'copy' && recorded.how !== 'link') {
    // It was a folder or a link at the previous sync: clear the way for the file.
    await partial.fs.rm(dst, { recursive: true, force: true });
    await partial.checkpoint.record({ t: 'del', p: rel });
    known.held = undefined;
  }
  const done = await heldFile(partial, known.held, dst);
  const planned = planFile({
    current,
    done,
    previous: known.previous,
    partial: partial.checkpoint.partials.get(rel),
    checksum: ctx.checksum,
    largeFileBytes: ctx.engine.largeFileBytes,
  });
  ctx.progress.currentFile = rel;
  let decision = overrideMustCopy(planned, known.mustCopy);
  if (decision.action === 'hash-then-decide') {
    const hashed = await hashHandle(handle, { far: ctx.sourceFar, signal: ctx.signal });
    decision = decideAfterHashedRead(decision.candidate, hashed, current.mtimeNs);
    if (decision.action === 'link') current.mtimeNs = hashed.after.mtimeNs.toString();
  }
  return { decision, current, done };
}

async function syncOpenFile(
  partial: PartialSnapshot,
  rel: string,
  handle: FileHandle,
  known: Known,
  ctx: FileContext,
): Promise<DoneRecord> {
  const st = ctx.sourceFar ? await handle.stat({ bigint: true }) : syncIo(handle).stat();
  const { decision, current, done } = await decideOpenFile(partial, rel, handle, st, known, ctx);
  const dst = partial.destPath(rel);
  let outcome: DoneRecord;
  if (decision.action === 'keep') {
    if (done === undefined) throw new Error(`"${rel}": kept without a record of it`); // planFile keeps only what is held
    ctx.result.filesKept += 1;
    outcome = done;
  } else if (decision.action === 'link') {
    if (await linkFromPrevious(partial, rel, decision.from, dst, { checkContent: ctx.checksum })) {
      outcome = await recordLink(partial, ctx, rel, decision.from, current, Number(st.mode));
    } else {
      outcome = await copy(partial, rel, handle, st, dst, 0, ctx);
    }
  } else {
    let offset = 0;
    if (decision.action === 'resume') {
      const there = await partial.fs.lstat(dst).then(
        (s) => ({ isFile: s.isFile(), nlink: s.nlink }),
        () => null,
      );
      offset = resumeOffset(decision.offset, there);
      if (offset > 0) {
        ctx.progress.bytesDone += offset;
        partial.log.info({ file: rel, offset }, `continuing "${rel}" at byte ${offset}`);
      }
    }
    outcome = await copy(partial, rel, handle, st, dst, offset, ctx);
  }
  ctx.progress.filesDone += 1;
  if (decision.action === 'keep' || decision.action === 'link') ctx.progress.bytesDone += current.size; // copies count as they go
  ctx.report();
  return outcome;
}

async function copy(
  partial: PartialSnapshot,
  rel: string,
  handle: FileHandle,
  st: BigIntStats,
  dst: string,
  resumeFrom: number,
  ctx: FileContext,
): Promise<DoneRecord> {
  const { checkpoint } = partial;
  const saved = await saveFile({
    source: handle,
    sourceStat: st,
    sourceLabel: rel,
    sourceFar: ctx.sourceFar,
    dstFs: partial.fs,
    dstPath: dst,
    resumeFrom,
    unstableRetries: ctx.unstableRetries,
    largeFileBytes: ctx.engine.largeFileBytes,
    signal: ctx.signal,
    onBytes: (n) => {
      ctx.progress.bytesCopied += n;
      ctx.progress.bytesDone += n;
      ctx.report();
    },
    onCheckpoint: async (offset: number, stat: BigIntStats) => {
      await checkpoint.record({
        t: 'part',
        p: rel,
        off: offset,
        size: Number(stat.size),
        mtimeNs: stat.mtimeNs.toString(),
      });
    },
    deferSync: true,
  });
  const e = copiedEntry(rel, saved);
  const finished = () => checkpoint.record({ t: 'done', how: 'copy', e });
  // Recorded as finished only once a batch has fsynced it (see SyncBatch).
  if (saved.unsynced) await ctx.durable.add(saved.unsynced, saved.size, finished);
  else await finished();
  const read = saved.bytesRead;
  ctx.result.filesCopied += 1;
  ctx.result.bytesCopied += read;
  partial.thisRun.filesCopied += 1;
  partial.thisRun.bytesCopied += read;
  ctx.progress.filesCopied += 1;
  return { how: 'copy', entry: e };
}
