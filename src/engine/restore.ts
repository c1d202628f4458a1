import path from 'node:path';
import { joinRelative } from '../fs/join-relative';
import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import { isSameOrInside } from '../config/load';
import { InterruptedError, UsageError, errnoCode, errorMessage } from '../errors';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import { fsyncDir } from '../fs/durable';
import { TaskPool, forEachLimited } from '../fs/limited';
import { exists } from '../fs/read';
import { plural } from '../format/number';
import { openManifest } from '../store/manifest';
import type { SnapshotRef } from '../store/snapshots';
import type { ManifestEntry } from '../store/types';
import { RESTORE_MARKER, refuseInterruptedRestore, removeMarker, writeMarker } from './restore-marker';
import { SyncBatch } from './sync-batch';
import { utimesTime } from './times';
import { copyAndHash, ensureDir, removeUnfinished, replaceWith, tempName } from './restore-files';

/**
 * Restores a snapshot into a folder as an independent, writable copy: every file is written anew
 * (never a hard link into the store, so editing the restored data cannot change a backup), hashed as
 * it is written and compared with the manifest, and given the source's modification time and
 * attributes as recorded in the manifest (the store's own read-only protection is not carried over).
 * Files are copied four at a time under a temporary name, fsynced in batches (SyncBatch) and renamed
 * into place only once durable. Folder times are set last, once their contents are in place.
 */

export interface RestoreOptions {
  /** Write into a folder that already has content (files of the same name are replaced). */
  force?: boolean;
  /**
   * Live AVImark folders (the configured source, the source recorded in the manifest): the target may
   * not be one, be inside one or contain one. Only `restore --to-live` (after the lockout, see
   * src/lockout) passes [] here on purpose.
   */
  liveSources: string[];
  /** The store: restoring into it (or around it) is refused. */
  dest: string;
  fs?: FileSystem;
  logger?: Logger;
  platform?: NodeJS.Platform;
  onProgress?: (progress: RestoreProgress) => void;
  /** Stops the restore (Ctrl+C): unfinished files are removed, the marker stays, InterruptedError is thrown. */
  signal?: AbortSignal;
}

export interface RestoreProgress {
  filesWritten: number;
  bytesWritten: number;
}

export interface RestoreProblem {
  /** missing: not in the snapshot folder; damaged: restored content does not match the manifest. */
  kind: 'missing' | 'damaged';
  path: string;
  detail: string;
}

export interface RestoreResult {
  snapshotId: string;
  target: string;
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  durationSeconds: number;
  /** Files missing from the snapshot or whose content did not match the manifest. */
  problems: RestoreProblem[];
  warnings: string[];
}

/** Files restored at once. */
const RESTORE_CONCURRENCY = 4;

/** Refusals that need no disk access beyond the target's listing: nothing is written when one applies. */
export async function checkRestoreTarget(target: string, options: RestoreOptions): Promise<void> {
  const fs = options.fs ?? localFs;
  const platform = options.platform ?? process.platform;
  for (const live of options.liveSources) {
    if (isSameOrInside(target, live, platform) || isSameOrInside(live, target, platform)) {
      throw new UsageError(
        `refusing to restore into ${target}: it is (or overlaps) the live AVImark folder ${live}`,
        'restore into an empty folder elsewhere and compare, or use "restore --to-live", which takes AVImark offline first',
      );
    }
  }
  if (isSameOrInside(target, options.dest, platform) || isSameOrInside(options.dest, target, platform)) {
    throw new UsageError(
      `refusing to restore into ${target}: it overlaps the backup store ${options.dest}`,
      'choose a folder outside the store',
    );
  }
  let names: string[];
  try {
    const info = await fs.stat(target);
    if (!info.isDirectory()) throw new UsageError(`refusing to restore into ${target}: it is a file, not a folder`);
    names = await fs.readdir(target);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  if (names.includes(RESTORE_MARKER) && !options.force) await refuseInterruptedRestore(fs, target);
  if (names.length > 0 && !options.force) {
    throw new UsageError(
      `refusing to restore into ${target}: the folder is not empty (${plural(names.length, 'entry', 'entries')})`,
      'choose an empty or new folder, or add --force to write into it (files of the same name are replaced)',
    );
  }
}

/** What the files of one restore share. */
interface RestoreRun {
  fs: FileSystem;
  options: RestoreOptions;
  platform: NodeJS.Platform;
  result: RestoreResult;
  durable: SyncBatch;
  /** Temporary names handed out so far. */
  temps: number;
}

async function restoreFile(run: RestoreRun, entry: ManifestEntry, from: string, to: string): Promise<void> {
  const { fs, options, result } = run;
  try {
    run.temps += 1;
    const temp = path.join(path.dirname(to), tempName(run.temps));
    const mode = restoredMode(entry, run.platform);
    const copied = await copyAndHash(fs, from, temp, entry.size, times(entry), mode, options.signal);
    await run.durable.add(copied.unsynced, copied.bytes, async () => {
      // Renamed into place (with its mode, read-only if it was) only once its content is on disk.
      if (options.force) await replaceWith(fs, to, () => fs.rename(copied.temp, to));
      else await fs.rename(copied.temp, to);
      if (copied.bytes !== entry.size || copied.sha256 !== entry.sha256) {
        result.problems.push({
          kind: 'damaged',
          path: entry.path,
          detail: `restored content does not match the manifest (${copied.bytes} bytes, SHA-256 ${copied.sha256}; expected ${entry.size} bytes, ${entry.sha256})`,
        });
      }
      result.files += 1;
      result.bytes += copied.bytes;
      options.onProgress?.({ filesWritten: result.files, bytesWritten: result.bytes });
    });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && !(await exists(fs, from).catch(() => false))) {
      result.problems.push({ kind: 'missing', path: entry.path, detail: 'is missing from the snapshot' });
      return;
    }
    throw err;
  }
}

async function restoreSymlink(run: RestoreRun, entry: ManifestEntry, from: string, to: string): Promise<void> {
  const { fs, result } = run;
  try {
    const linkTarget = entry.linkTarget ?? (await fs.readlink(from));
    await replaceWith(fs, to, () => fs.symlink(linkTarget, to), 'create');
    await fs.lutimes(to, ...times(entry)).catch(() => undefined);
    result.symlinks += 1;
  } catch (err) {
    result.warnings.push(`${entry.path}: the link could not be re-created (${errorMessage(err)})`);
  }
}

/**
 * Every entry of the manifest into `target`, files up to RESTORE_CONCURRENCY at once; returns the
 * folders (in manifest order) for their times to be set afterwards.
 */
async function restoreEntries(run: RestoreRun, snapshot: SnapshotRef, target: string): Promise<ManifestEntry[]> {
  const { fs, result } = run;
  const dirs: ManifestEntry[] = [];
  const made = new Set<string>([target]);
  const running = new TaskPool(RESTORE_CONCURRENCY);
  let failure: unknown = null;
  try {
    const { entries } = await openManifest(fs, snapshot.manifestPath);
    for await (const entry of entries) {
      if (run.options.signal?.aborted) failure ??= interrupted(run);
      if (failure !== null) break;
      const from = joinRelative(snapshot.dir, entry.path);
      const to = joinRelative(target, entry.path);
      if (entry.type === 'dir') {
        await ensureDir(fs, to);
        made.add(to);
        dirs.push(entry);
        result.dirs += 1;
        continue;
      }
      const parent = path.dirname(to);
      if (!made.has(parent)) {
        await fs.mkdir(parent, { recursive: true });
        made.add(parent);
      }
      if (entry.type === 'file') {
        running.add(
          restoreFile(run, entry, from, to).catch((err: unknown) => {
            failure ??= err;
          }),
        );
        await running.room();
        continue;
      }
      if (entry.type === 'symlink') await restoreSymlink(run, entry, from, to);
    }
    await running.idle();
    if (failure !== null) throw failure;
    await run.durable.flush();
  } finally {
    await running.idle();
    await run.durable.discard();
  }
  return dirs;
}

export async function restoreSnapshot(
  snapshot: SnapshotRef,
  target: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const fs = options.fs ?? localFs;
  const logger = (options.logger ?? silentLogger()).child({ component: 'restore', snapshotId: snapshot.id });
  const started = Date.now();
  await checkRestoreTarget(target, options);
  await fs.mkdir(target, { recursive: true });

  const result: RestoreResult = {
    snapshotId: snapshot.id,
    target,
    files: 0,
    dirs: 0,
    symlinks: 0,
    bytes: 0,
    durationSeconds: 0,
    problems: [],
    warnings: [],
  };
  const run: RestoreRun = {
    fs,
    options,
    platform: options.platform ?? process.platform,
    result,
    temps: 0,
    durable: new SyncBatch(),
  };
  logger.info({ target }, 'restore started');
  await writeMarker(fs, target, snapshot.id);
  let dirs: ManifestEntry[];
  try {
    dirs = await restoreEntries(run, snapshot, target);
  } catch (err) {
    // The unfinished files go; the marker stays, so a rerun into this folder says what it holds.
    await removeUnfinished(fs, target).catch((e: unknown) =>
      logger.warn(`could not remove every unfinished file in ${target}: ${errorMessage(e)}`),
    );
    logger.error({ err }, 'restore stopped before the end');
    throw options.signal?.aborted && !(err instanceof InterruptedError) ? interrupted(run) : err;
  }
  result.problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Every file is in place: the marker goes before the folders get their times (removing it touches the target's).
  await removeMarker(fs, target);

  // Folder times last, once nothing is written into them any more (setting a folder's time does not
  // touch its parent's entries, so folders go in parallel); each folder's entries are flushed too (the
  // files themselves were fsynced before they were renamed into place).
  await forEachLimited(dirs.reverse(), 8, async (entry) => {
    const to = joinRelative(target, entry.path);
    await fsyncDir(fs, to);
    await fs.utimes(to, ...times(entry)).catch((err: unknown) => {
      result.warnings.push(`${entry.path}: folder time not restored (${errorMessage(err)})`);
    });
  });
  await fsyncDir(fs, target);
  await restoreFolderModes(run, dirs, target);
  result.durationSeconds = (Date.now() - started) / 1000;
  for (const p of result.problems) logger.error({ path: p.path }, p.detail);
  for (const w of result.warnings) logger.warn(w);
  logger.info({ files: result.files, bytes: result.bytes, problems: result.problems.length }, 'restore finished');
  return result;
}

/** The source's own attributes (read-only only if the live file was); always writable by the owner on POSIX. */
function restoredMode(entry: ManifestEntry, platform: NodeJS.Platform): number {
  if (platform === 'win32') return entry.attributes.readonly ? 0o444 : 0o666;
  const mode = entry.attributes.mode & 0o7777;
  return entry.attributes.readonly ? mode & ~0o222 : mode | 0o200;
}

/**
 * POSIX: each folder gets its recorded permission bits (a 700 folder stays 700, a sticky bit stays), deepest
 * first (`dirs` is already reversed) and one at a time, after its contents and times, so a folder that ends up
 * closed (no write or search bit) is never needed open again. Windows folders have no such bits.
 */
async function restoreFolderModes(run: RestoreRun, dirs: ManifestEntry[], target: string): Promise<void> {
  if (run.platform === 'win32') return;
  for (const entry of dirs) {
    const to = joinRelative(target, entry.path);
    await run.fs.chmod(to, entry.attributes.mode & 0o7777).catch((err: unknown) => {
      run.result.warnings.push(`${entry.path}: folder permissions not restored (${errorMessage(err)})`);
    });
  }
}

function times(entry: ManifestEntry): [number | string, number | string] {
  // The same conversion the engine uses for the snapshot's own files, so the times always agree.
  const seconds = utimesTime(entry.mtimeNs);
  return [seconds, seconds];
}

/** The error an interrupted restore ends with (exit 1): what was done and how to go on. */
function interrupted(run: RestoreRun): InterruptedError {
  const { result } = run;
  return new InterruptedError(
    `the restore of ${result.snapshotId} into ${result.target} was interrupted after ${plural(result.files, 'file')}; its unfinished files were removed`,
    `to finish it, run the same restore again with --force; or delete ${result.target} and restore anew`,
  );
}
