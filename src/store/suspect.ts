import { SuspectSnapshotError, UsageError, errnoCode } from '../errors';
import { fsyncDir, writeFileAtomic } from '../fs/durable';
import { localFs } from '../fs/local';
import type { FileSystem } from '../fs/types';
import type { Logger } from '../log/logger';
import { acceptedMarkPath, metaDir, suspectMarkPath, updateLatest } from './layout';
import { isMarkedSuspect, listSnapshots, listTrustedSnapshots, resolveSnapshotId } from './snapshots';
import type { SnapshotId } from './types';

/**
 * Suspect snapshots (the ransomware guard, issue 14). A snapshot that looked like ransomware at work is
 * still committed (it may be the only copy of the last hours) but carries DEST/meta/<ID>/suspect.json,
 * written before its commit's rename. While any snapshot is marked: `latest` skips it, every prune is
 * held (a retention policy must not delete the last good snapshots because of encrypted nights), until an
 * administrator runs `accept ID` (the mark becomes accepted.json) or deletes it with `prune --id ID`.
 */

export interface SuspectMark {
  format: 'avimark-backup-suspect';
  version: 1;
  snapshotId: SnapshotId;
  markedAt: string;
  /** One sentence per signal that fired. */
  reasons: string[];
  /** The guard's measured numbers (shares, counts). */
  measured: Record<string, number>;
}

export interface AcceptedMark {
  format: 'avimark-backup-accepted';
  version: 1;
  snapshotId: SnapshotId;
  acceptedAt: string;
  /** What the snapshot had been suspected of. */
  reasons: string[];
}

export function suspectMark(
  snapshotId: SnapshotId,
  reasons: readonly string[],
  measured: Readonly<Record<string, number>>,
  now: Date,
): SuspectMark {
  return {
    format: 'avimark-backup-suspect',
    version: 1,
    snapshotId,
    markedAt: now.toISOString(),
    reasons: [...reasons],
    measured: { ...measured },
  };
}

/** Writes the mark into DEST/meta/<id>/ (which must exist) atomically. */
export async function writeSuspectMark(fs: FileSystem, dest: string, mark: SuspectMark): Promise<void> {
  await writeFileAtomic(fs, suspectMarkPath(dest, mark.snapshotId), `${JSON.stringify(mark, null, 2)}\n`);
}

/** The mark of snapshot `id`, or null when it is not marked. A mark that does not parse still counts (no reasons). */
export async function readSuspectMark(fs: FileSystem, dest: string, id: SnapshotId): Promise<SuspectMark | null> {
  let text: string;
  try {
    text = await fs.readFile(suspectMarkPath(dest, id), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<SuspectMark>;
    return {
      ...suspectMark(id, [], {}, new Date(0)),
      ...parsed,
      reasons: Array.isArray(parsed.reasons) ? parsed.reasons.filter((r) => typeof r === 'string') : [],
    };
  } catch {
    return suspectMark(id, ['the suspect mark is unreadable'], {}, new Date(0));
  }
}

/** The complete snapshots marked suspect, oldest first. */
export async function listSuspectSnapshots(dest: string, fs: FileSystem = localFs): Promise<SnapshotId[]> {
  const ids: SnapshotId[] = [];
  for (const ref of await listSnapshots(dest, fs)) if (await isMarkedSuspect(fs, dest, ref.id)) ids.push(ref.id);
  return ids;
}

/** Thrown by every prune while a snapshot is marked suspect: exit 5, nothing removed. */
export class PruneHeldError extends SuspectSnapshotError {}

/** Throws PruneHeldError when any snapshot is marked suspect: pruning is held until it is accepted or deleted. */
export async function holdPruneWhileSuspect(dest: string, fs: FileSystem = localFs): Promise<void> {
  const suspects = await listSuspectSnapshots(dest, fs);
  if (suspects.length === 0) return;
  const first = suspects[0];
  const mark = await readSuspectMark(fs, dest, first);
  const names = suspects.length === 1 ? `snapshot ${first} is` : `snapshots ${suspects.join(', ')} are`;
  throw new PruneHeldError(
    `pruning is held: ${names} marked suspect (the backup looked like ransomware at work); nothing was pruned`,
    first,
    mark?.reasons ?? [],
    `check the AVImark folder, then run "avimark-backup accept ${first}" if it is fine, ` +
      `or delete the snapshot with "avimark-backup prune --id ${first}"`,
  );
}

/** `accept ID` of a snapshot that is not marked: exit 2. */
export function nothingToAccept(id: SnapshotId): UsageError {
  return new UsageError(
    `snapshot ${id} is not marked suspect: there is nothing to accept`,
    'run "avimark-backup list" to see which snapshots are marked SUSPECT',
  );
}

/**
 * `accept ID`: the administrator trusts the snapshot. The mark becomes accepted.json (the record of what it
 * was suspected of), then `latest` points at the newest trusted snapshot. The caller holds the store lock.
 */
export async function acceptSuspect(
  dest: string,
  id: SnapshotId,
  options: { fs?: FileSystem; now?: Date; log?: Logger } = {},
): Promise<{ latest: SnapshotId | null; stillSuspect: SnapshotId[] }> {
  const fs = options.fs ?? localFs;
  const ref = await resolveSnapshotId(dest, id, fs);
  const mark = await readSuspectMark(fs, dest, ref.id);
  if (mark === null) throw nothingToAccept(ref.id);
  const accepted: AcceptedMark = {
    format: 'avimark-backup-accepted',
    version: 1,
    snapshotId: ref.id,
    acceptedAt: (options.now ?? new Date()).toISOString(),
    reasons: mark.reasons,
  };
  await writeFileAtomic(fs, acceptedMarkPath(dest, ref.id), `${JSON.stringify(accepted, null, 2)}\n`);
  await fs.rm(suspectMarkPath(dest, ref.id), { force: true });
  await fsyncDir(fs, metaDir(dest, ref.id));
  const latest = await pointLatestAtNewestTrusted(dest, fs, options.log);
  return { latest, stillSuspect: await listSuspectSnapshots(dest, fs) };
}

/**
 * Points DEST/latest at the newest snapshot not marked suspect (after `accept` or deleting a suspect one).
 * A destination that cannot hold links only gets a warning, as after a commit.
 */
export async function pointLatestAtNewestTrusted(
  dest: string,
  fs: FileSystem = localFs,
  log?: Logger,
): Promise<SnapshotId | null> {
  const newest = (await listTrustedSnapshots(dest, fs)).at(-1)?.id ?? null;
  if (newest === null) return null;
  try {
    await updateLatest(fs, dest, newest);
  } catch (err) {
    log?.warn({ code: errnoCode(err) }, `could not point "latest" at snapshot ${newest}`);
  }
  return newest;
}
