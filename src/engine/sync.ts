import path from 'node:path';
import { AppError, RunFailedError, errnoCode, errorMessage } from '../errors';
import { localFs } from '../fs/local';
import { isNearPath } from '../fs/near-path';
import { TaskPool } from '../fs/limited';
import { describeFsError, retryingFs } from '../fs/retry';
import type { ManifestEntry } from '../store/types';
import { failOnFileError } from './file-errors';
import { type FileContext, syncFile } from './file-sync';
import type { PartialSnapshot } from './partial';
import { PreviousLookup, type PreviousManifest } from './previous';
import { type ScanEntry, scanTree } from './scan';
import { SyncBatch } from './sync-batch';
import type { SyncList, SyncListWriter } from './sync-list';
import type { HeldLookup } from './held';
import { removeGone, saveDir, saveSymlink, sweepStrays } from './tree-saver';
import { BackupInterruptedError, type BackupProgress, type SyncOptions, type SyncResult } from './types';

/**
 * One sync of a partial with its source (restic's scanner + archiver loop): the scan streams entries,
 * folders and links are saved in order, files up to `engine.concurrency` at once; then what the source
 * no longer has is removed, and after an interruption what the checkpoint does not know. Three streams
 * in path order meet in the scan loop: the scan, the previous snapshot's manifest (./previous.ts) and
 * what the partial held (./held.ts); what the partial holds afterwards leaves as this sync's list
 * (./sync-list.ts). No map of every path is held.
 */

function emptyProgress(): BackupProgress {
  return {
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
}

function emptyResult(): SyncResult {
  return {
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
}

/** At most one progress report per 200 ms, unless forced. */
function reporter(progress: BackupProgress, onProgress: SyncOptions['onProgress']): (force?: boolean) => void {
  let last = 0;
  return (force = false) => {
    if (!onProgress) return;
    const t = Date.now();
    if (!force && t - last < 200) return;
    last = t;
    onProgress({ ...progress });
  };
}

function toRunError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const where = (err as NodeJS.ErrnoException | null)?.path;
  return new RunFailedError(`the backup failed${where ? ` at "${where}"` : ''}: ${describeFsError(err)}`, undefined, {
    cause: err,
  });
}

/** The first failure of a sync; the first one also stops the rest (the internal abort). */
class Failure {
  error: unknown = null;
  constructor(private readonly internal: AbortController) {}
  readonly fail = (err: unknown): void => {
    if (this.error === null) this.error = err;
    this.internal.abort();
  };
  get failed(): boolean {
    return this.error !== null;
  }
}

/**
 * Where a sync's paths come from and go: what the partial held at its start (opened and closed by the
 * caller), and the list it writes (finished here, or aborted when the sync fails).
 */
export interface SyncLedger {
  held: HeldLookup;
  list: SyncListWriter;
}

/**
 * Makes the partial equal to `options.sourceRoot`; returns the counts and the finished list of what the
 * partial now holds. Throws BackupInterruptedError when `options.signal` fires and a RunFailedError
 * naming the file on a permanent error (unless the error policy skips it); the list is then removed.
 * `sweep`: the partial may hold leftovers the checkpoint does not know (resumed, or a sync failed).
 */
export async function syncPartial(
  partial: PartialSnapshot,
  options: SyncOptions,
  previous: PreviousManifest | null,
  sweep: boolean,
  ledger: SyncLedger,
): Promise<{ result: SyncResult; list: SyncList }> {
  const started = Date.now();
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  const failure = new Failure(internal);
  const progress = emptyProgress();
  const report = reporter(progress, options.onProgress);
  const durable = new SyncBatch();
  const ctx: FileContext = {
    sourceFs: options.sourceFs ?? localFs,
    sourceFar: !isNearPath(options.sourceRoot), // before it is resolved (on POSIX "//x" becomes "/x")
    engine: options.engine,
    checksum: options.checksum ?? options.engine.checksum,
    unstableRetries: options.unstableRetries ?? options.engine.unstableRetries,
    signal,
    progress,
    result: emptyResult(),
    report,
    durable,
  };
  let lookup: PreviousLookup | null = null;
  let list: SyncList | null = null;
  try {
    lookup = await PreviousLookup.open(partial, previous);
    await scanAndSave(partial, path.resolve(options.sourceRoot), ctx, options, failure, { lookup, ...ledger });
    if (!failure.failed) await durable.flush().catch(failure.fail);
    if (!failure.failed) {
      ctx.result.removed += await removeGone(partial, await ledger.held.rest(), signal);
      list = await ledger.list.finish();
      if (sweep) await sweepStrays(partial, list, signal);
    }
  } catch (err) {
    failure.fail(err);
  } finally {
    await lookup?.close();
    // Copies finished before a failure or an abort are kept: made durable and recorded, not redone.
    await durable.flush().catch(() => undefined);
    await durable.discard();
    await partial.checkpoint.flush().catch(() => undefined);
  }
  if (failure.failed || list === null) {
    await ledger.list.abort();
    if (options.signal?.aborted) throw new BackupInterruptedError(partial.id);
    throw toRunError(failure.error);
  }
  return { result: finish(partial, ctx, list, started, report), list };
}

function finish(
  partial: PartialSnapshot,
  ctx: FileContext,
  list: SyncList,
  started: number,
  report: (force: boolean) => void,
): SyncResult {
  const result = ctx.result;
  result.filesTotal = list.tally.filesTotal;
  result.bytesTotal = list.tally.bytesTotal;
  result.durationSeconds = (Date.now() - started) / 1000;
  report(true);
  partial.log.info({ snapshot: partial.id, ...result }, 'sync finished');
  return result;
}

/** Files hard-linked at once: a link is one quick system call, so more of them keep the thread pool busy. */
export const LINK_CONCURRENCY = 8;

/** What the scan alone says: the previous snapshot's entry has this size and time (so it will be linked). */
function looksUnchanged(entry: ScanEntry, prev: ManifestEntry | undefined, ctx: FileContext): boolean {
  if (ctx.checksum || entry.type !== 'file') return false;
  return (
    prev?.type === 'file' && prev.size === Number(entry.stat.size) && prev.mtimeNs === entry.stat.mtimeNs.toString()
  );
}

/** The scan loop's three other streams. */
interface Streams extends SyncLedger {
  lookup: PreviousLookup;
}

/**
 * The scan loop. A failure is handed to `failure` (the loop then stops). Each entry's previous one and
 * the partial's record of it are looked up here, in scan order (the manifest's), and handed to its task;
 * the task's outcome takes the entry's place in the list.
 */
async function scanAndSave(
  partial: PartialSnapshot,
  sourceRoot: string,
  ctx: FileContext,
  options: SyncOptions,
  failure: Failure,
  streams: Streams,
): Promise<void> {
  const { progress, signal, engine } = ctx;
  const { lookup, held, list } = streams;
  // Copies are bounded by engine.concurrency; unchanged files (a link each) by LINK_CONCURRENCY.
  const running = new TaskPool(engine.concurrency);
  const linking = new TaskPool(LINK_CONCURRENCY);
  const onError = onFileError(partial, ctx, options, failure);
  const scanFs = retryingFs(ctx.sourceFs, engine, {
    signal,
    onRetry: (err) => partial.log.warn({ code: errnoCode(err) }, `retrying a folder read: ${describeFsError(err)}`),
  });
  try {
    for await (const entry of scanTree(scanFs, sourceRoot, { exclude: engine.exclude, signal })) {
      if (failure.failed) break;
      if (entry.type === 'special') {
        partial.warnOnce(
          `special:${entry.rel}`,
          `skipped "${entry.rel}": ${entry.why ?? 'not a regular file, folder or link'}`,
        );
        continue;
      }
      const prev = await lookup.get(entry.rel);
      const had = await held.get(entry.rel);
      if (entry.type === 'dir') list.addNow(await saveDir(partial, entry, had));
      else if (entry.type === 'symlink') list.addNow(await saveSymlink(partial, entry, scanFs, had));
      else {
        progress.filesSeen += 1;
        progress.bytesSeen += Number(entry.stat.size);
        const pool = looksUnchanged(entry, prev, ctx) ? linking : running;
        const task = syncFile(partial, entry, prev, had, ctx).catch(onError(entry));
        pool.add(task);
        list.add(task);
        await pool.room();
        await list.room();
      }
    }
    progress.scanFinished = true;
    ctx.report(true);
  } catch (err) {
    failure.fail(err);
  }
  await Promise.all([running.idle(), linking.idle()]);
}

/** A file's failure goes to the caller's error policy: skipped (and cleared from the partial) or fatal. */
function onFileError(partial: PartialSnapshot, ctx: FileContext, options: SyncOptions, failure: Failure) {
  const policy = options.onFileError ?? failOnFileError;
  return (entry: ScanEntry) =>
    async (err: unknown): Promise<undefined> => {
      if (ctx.signal.aborted || policy(entry.rel, err) !== 'skip') {
        failure.fail(err);
        return undefined;
      }
      ctx.result.filesSkipped += 1;
      partial.log.info({ file: entry.rel }, `"${entry.rel}" left for a later pass: ${errorMessage(err)}`);
      // Whatever the attempt left (a half-written copy) goes, and the journal no longer claims the file.
      try {
        await partial.forget(entry.rel);
      } catch (cleanupErr) {
        failure.fail(cleanupErr);
      }
      return undefined;
    };
}
