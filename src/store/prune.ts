import path from 'node:path';
import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import { UsageError, errnoCode } from '../errors';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import { fsyncDir } from '../fs/durable';
import { exists, readdirOrEmpty } from '../fs/read';
import { compareSnapshotIds, isSnapshotId, metaDir, snapshotDir, storeLayout } from './layout';
import { type RetentionDecision, type RetentionPlan, type RetentionPolicy, planRetention } from './retention';
import { isMarkedSuspect, listSnapshots, resolveSnapshotId } from './snapshots';
import { holdPruneWhileSuspect, pointLatestAtNewestTrusted } from './suspect';
import type { SnapshotId } from './types';

/**
 * Deleting snapshots safely. A snapshot is visible iff snapshots/<ID> exists with a complete manifest,
 * so deletion first renames snapshots/<ID> to in-progress/<ID>.deleting (atomic: from then on it is
 * not listed), then removes meta/<ID>, then the renamed tree. A crash at any point leaves either the
 * whole snapshot or a `.deleting` leftover that the next prune finishes — never a half-deleted
 * snapshot that looks complete.
 *
 * Unchanged files are hard links shared with other snapshots, and read-only is a property of the file
 * (all its links) — on Windows the attribute, on POSIX the mode bits. Deleting one link may clear it
 * (Windows' delete of a read-only file does, in libuv before 1.49); so after removing a link that had
 * siblings, the remaining links (same relative path in the other snapshots and partials) are made
 * read-only again. Their content is never touched.
 */

export const DELETING_SUFFIX = '.deleting';

export interface PruneOptions {
  dryRun?: boolean;
  fs?: FileSystem;
  logger?: Logger;
}

export interface PruneResult {
  dryRun: boolean;
  keep: RetentionDecision[];
  remove: RetentionDecision[];
  /** Leftovers of an interrupted earlier prune that were (or, in a dry run, would be) finished. */
  leftovers: SnapshotId[];
  /** Records of failed runs (meta/<ID> with no snapshot) older than the oldest kept snapshot, removed (or, in a dry run, to remove). */
  failedRunRecords: SnapshotId[];
}

/**
 * Applies the retention policy to the complete snapshots in `dest`. The caller holds the store lock.
 * Held (PruneHeldError, exit 5, nothing removed) while any snapshot is marked suspect (./suspect.ts).
 */
export async function pruneSnapshots(
  dest: string,
  policy: RetentionPolicy,
  options: PruneOptions = {},
): Promise<PruneResult> {
  const fs = options.fs ?? localFs;
  const logger = (options.logger ?? silentLogger()).child({ component: 'prune' });
  const dryRun = options.dryRun ?? false;
  await holdPruneWhileSuspect(dest, fs);
  const leftovers = await findDeletingLeftovers(dest, fs);
  const snapshots = await listSnapshots(dest, fs);
  const plan: RetentionPlan = planRetention(
    snapshots.map((s) => s.id),
    policy,
  );
  if (!dryRun) {
    for (const id of leftovers) {
      logger.info({ snapshotId: id }, 'finishing the deletion of a snapshot an earlier prune left behind');
      await finishDeletion(dest, id, fs);
    }
    for (const decision of plan.remove) {
      logger.info({ snapshotId: decision.id }, 'removing snapshot');
      await deleteSnapshot(dest, decision.id, fs);
    }
  }
  const failedRunRecords = await oldFailedRunRecords(
    dest,
    new Set(snapshots.map((s) => s.id)),
    plan.keep.map((k) => k.id),
    fs,
  );
  if (!dryRun) {
    for (const id of failedRunRecords) {
      logger.info({ snapshotId: id }, 'removing the record of a failed run older than every kept snapshot');
      await deleteLinkedTree(fs, metaDir(dest, id), null);
    }
    if (failedRunRecords.length > 0) await fsyncDir(fs, storeLayout(dest).metaRoot).catch(() => undefined);
  }
  return { dryRun, keep: plan.keep, remove: plan.remove, leftovers, failedRunRecords };
}

/**
 * `prune --id ID`: deletes one snapshot marked suspect (the administrator's other answer to the ransomware
 * guard, besides `accept`), then points `latest` at the newest trusted snapshot. Only a suspect snapshot
 * can be deleted by id: the retention policy decides about the others. The caller holds the store lock.
 */
export async function deleteSuspectSnapshot(
  dest: string,
  id: SnapshotId,
  options: PruneOptions = {},
): Promise<{ removed: SnapshotId; latest: SnapshotId | null }> {
  const fs = options.fs ?? localFs;
  const ref = await resolveSnapshotId(dest, id, fs);
  if (!(await isMarkedSuspect(fs, dest, ref.id))) {
    throw new UsageError(
      `snapshot ${ref.id} is not marked suspect; prune --id only deletes a suspect snapshot`,
      'the retention policy decides about the others: run "avimark-backup prune" (see --dry-run)',
    );
  }
  if (options.dryRun) return { removed: ref.id, latest: null };
  (options.logger ?? silentLogger()).info({ snapshotId: ref.id }, 'removing the suspect snapshot');
  await deleteSnapshot(dest, ref.id, fs);
  return { removed: ref.id, latest: await pointLatestAtNewestTrusted(dest, fs, options.logger) };
}

/**
 * meta/<ID> folders that belong to no snapshot (a failed or interrupted run's record), older than the
 * oldest kept snapshot, and with no partial of that id left to resume. Nothing when no snapshot is kept.
 */
async function oldFailedRunRecords(
  dest: string,
  snapshots: Set<SnapshotId>,
  kept: SnapshotId[],
  fs: FileSystem,
): Promise<SnapshotId[]> {
  const oldestKept = [...kept].sort(compareSnapshotIds)[0];
  if (oldestKept === undefined) return [];
  const layout = storeLayout(dest);
  const partials = new Set(await readdirOrEmpty(fs, layout.inProgressDir));
  const old: SnapshotId[] = [];
  for (const id of await readdirOrEmpty(fs, layout.metaRoot)) {
    if (!isSnapshotId(id) || snapshots.has(id) || compareSnapshotIds(id, oldestKept) >= 0) continue;
    if (partials.has(id) || partials.has(`${id}.state`) || partials.has(`${id}${DELETING_SUFFIX}`)) continue;
    if (await exists(fs, snapshotDir(dest, id))) continue;
    old.push(id);
  }
  return old.sort(compareSnapshotIds);
}

/** Removes one snapshot (crash-safe, see above). */
export async function deleteSnapshot(dest: string, id: SnapshotId, fs: FileSystem = localFs): Promise<void> {
  const layout = storeLayout(dest);
  await fs.mkdir(layout.inProgressDir, { recursive: true });
  const deleting = deletingDir(dest, id);
  try {
    await renameWithPatience(fs, snapshotDir(dest, id), deleting);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  await fsyncDir(fs, layout.snapshotsDir);
  await fsyncDir(fs, layout.inProgressDir);
  await finishDeletion(dest, id, fs);
}

/**
 * On Windows an antivirus scanner or the indexer briefly holding a file makes renaming its folder fail
 * with EPERM/EACCES/EBUSY; graceful-fs retries such renames for up to a minute. We retry for ~15 s.
 */
async function renameWithPatience(fs: FileSystem, from: string, to: string): Promise<void> {
  for (let delay = 100; ; delay *= 2) {
    try {
      await fs.rename(from, to);
      return;
    } catch (err) {
      const code = errnoCode(err);
      const transient = process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
      if (!transient || delay > 8000) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export const deletingDir = (dest: string, id: SnapshotId) =>
  path.join(storeLayout(dest).inProgressDir, `${id}${DELETING_SUFFIX}`);

export async function findDeletingLeftovers(dest: string, fs: FileSystem = localFs): Promise<SnapshotId[]> {
  const names = await readdirOrEmpty(fs, storeLayout(dest).inProgressDir);
  return names
    .filter((n) => n.endsWith(DELETING_SUFFIX) && isSnapshotId(n.slice(0, -DELETING_SUFFIX.length)))
    .map((n) => n.slice(0, -DELETING_SUFFIX.length))
    .sort();
}

async function finishDeletion(dest: string, id: SnapshotId, fs: FileSystem): Promise<void> {
  // A snapshot of the same id back in place (cannot happen with unique ids, but be sure) keeps its metadata.
  if (!(await exists(fs, snapshotDir(dest, id)))) {
    await deleteLinkedTree(fs, metaDir(dest, id), null);
    await fsyncDir(fs, storeLayout(dest).metaRoot).catch(() => undefined);
  }
  const siblings = await siblingRoots(dest, id, fs);
  await deleteLinkedTree(fs, deletingDir(dest, id), siblings);
  await fsyncDir(fs, storeLayout(dest).inProgressDir).catch(() => undefined);
}

/** Folders that may hold other links of this snapshot's files: every other snapshot and every partial. */
async function siblingRoots(dest: string, id: SnapshotId, fs: FileSystem): Promise<string[]> {
  const layout = storeLayout(dest);
  const roots: string[] = [];
  for (const name of await readdirOrEmpty(fs, layout.snapshotsDir)) {
    if (name !== id && isSnapshotId(name)) roots.push(path.join(layout.snapshotsDir, name));
  }
  for (const name of await readdirOrEmpty(fs, layout.inProgressDir)) {
    if (isSnapshotId(name)) roots.push(path.join(layout.inProgressDir, name));
  }
  return roots;
}

/**
 * Deletes `root` depth-first. With `siblings` (roots of other snapshot trees), every file that had
 * other links is followed by re-protecting those links: same relative path, same inode, made
 * read-only again if the deletion cleared it.
 */
async function deleteLinkedTree(fs: FileSystem, root: string, siblings: string[] | null): Promise<void> {
  let rootInfo;
  try {
    rootInfo = await fs.lstat(root);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  if (!rootInfo.isDirectory()) {
    await fs.rm(root, { force: true });
    return;
  }
  await removeDirContents(fs, root, '', siblings);
  await makeWritable(fs, root);
  await fs.rmdir(root);
}

async function removeDirContents(fs: FileSystem, root: string, rel: string, siblings: string[] | null): Promise<void> {
  const dir = rel === '' ? root : path.join(root, rel);
  // Deleting entries needs a writable folder on POSIX (and a read-only folder cannot be removed on Windows).
  await makeWritable(fs, dir);
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const childRel = rel === '' ? entry.name : path.join(rel, entry.name);
    const full = path.join(root, childRel);
    if (entry.isDirectory()) {
      await removeDirContents(fs, root, childRel, siblings);
      await fs.rmdir(full);
      continue;
    }
    const info = entry.isFile() ? await fs.lstat(full, { bigint: true }) : null;
    await unlinkReadOnly(fs, full);
    if (info && info.nlink > 1n && siblings) await reprotectLinks(fs, siblings, childRel, info.ino, info.dev);
  }
}

async function unlinkReadOnly(fs: FileSystem, file: string): Promise<void> {
  try {
    await fs.unlink(file);
  } catch (err) {
    if (errnoCode(err) !== 'EPERM' && errnoCode(err) !== 'EACCES') throw err;
    // Windows without POSIX delete semantics refuses a read-only file: clear it (for every link) and retry;
    // the caller re-protects the remaining links right after.
    await fs.chmod(file, 0o666);
    await fs.unlink(file);
  }
}

async function reprotectLinks(fs: FileSystem, roots: string[], rel: string, ino: bigint, dev: bigint): Promise<void> {
  for (const root of roots) {
    const other = path.join(root, rel);
    let info;
    try {
      info = await fs.lstat(other, { bigint: true });
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') continue;
      throw err;
    }
    if (info.ino !== ino || info.dev !== dev) continue;
    const mode = Number(info.mode & 0o7777n);
    if ((mode & 0o222) !== 0) await fs.chmod(other, mode & ~0o222);
    return; // one link re-protects them all: the attribute belongs to the file, not the name
  }
}

async function makeWritable(fs: FileSystem, dir: string): Promise<void> {
  const info = await fs.lstat(dir);
  if ((info.mode & 0o200) === 0) await fs.chmod(dir, (info.mode & 0o7777) | 0o700);
}
