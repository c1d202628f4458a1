import { errnoCode } from '../errors';
import { comparePaths } from '../store/manifest';
import { removeIfExists, removeTree } from '../fs/remove';
import type { SourceFs } from '../fs/types';
import { dirChanged, dirEntry, symlinkEntry } from './entries';
import type { PartialSnapshot } from './partial';
import { type DoneRecord, expectedEntryType, planRemovals } from './plan';
import type { ScanEntry } from './scan';
import { scanTree } from './scan';
import { type SyncList, readSyncList } from './sync-list';

/** The partial's folders and links (restic's tree saver): created as the scan meets them, removed when gone. */

/** Saves a folder; returns the partial's record of it afterwards. `held`: its record before this sync. */
export async function saveDir(
  partial: PartialSnapshot,
  entry: ScanEntry,
  held: DoneRecord | undefined,
): Promise<DoneRecord> {
  const { fs, checkpoint } = partial;
  const rel = entry.rel;
  const dst = partial.destPath(rel);
  let before = held;
  if (before && before.how !== 'dir') {
    await fs.rm(dst, { recursive: true, force: true });
    await checkpoint.record({ t: 'del', p: rel });
    before = undefined;
  }
  try {
    await fs.mkdir(dst);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    const st = await fs.lstat(dst);
    if (!st.isDirectory()) {
      await fs.rm(dst, { force: true });
      await fs.mkdir(dst);
    }
  }
  const e = dirEntry(rel, entry.stat);
  if (before && !dirChanged(before, e)) return before;
  await checkpoint.record({ t: 'done', how: 'dir', e });
  return { how: 'dir', entry: e };
}

/** Saves a link; returns the partial's record of it afterwards. `held`: its record before this sync. */
export async function saveSymlink(
  partial: PartialSnapshot,
  entry: ScanEntry,
  sourceFs: SourceFs,
  held: DoneRecord | undefined,
): Promise<DoneRecord> {
  const { fs, checkpoint } = partial;
  const rel = entry.rel;
  const target = await sourceFs.readlink(entry.abs);
  const dst = partial.destPath(rel);
  if (held?.how === 'symlink' && held.entry.linkTarget === target) {
    const there = await fs.lstat(dst).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    if (there || partial.hasWarned('symlink')) return held;
  }
  await removeIfExists(fs, dst);
  try {
    let type: 'file' | 'dir' | 'junction' = 'file';
    if (process.platform === 'win32') {
      const targetIsDir = await sourceFs.stat(entry.abs).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (targetIsDir) type = 'junction';
    }
    await fs.symlink(target, dst, type);
  } catch (err) {
    partial.warnOnce(
      'symlink',
      `links could not be recreated in the snapshot (${errnoCode(err) ?? String(err)}); they are recorded in the manifest only (first: "${rel}")`,
    );
  }
  const e = symlinkEntry(rel, entry.stat, target);
  await checkpoint.record({ t: 'done', how: 'symlink', e });
  return { how: 'symlink', entry: e };
}

/** Removes what the partial held that the source no longer has (`gone`); returns how many paths went. */
export async function removeGone(
  partial: PartialSnapshot,
  gone: readonly string[],
  signal: AbortSignal,
): Promise<number> {
  let removed = 0;
  for (const path of planRemovals(gone)) {
    signal.throwIfAborted();
    await partial.forget(path);
    removed += 1;
  }
  return removed;
}

/**
 * Removes anything in the partial its list (`list`, what the sync just left) does not name as it is:
 * leftovers of an interrupted copy. Only after a resume or a failed sync. The list is read beside the
 * partial's scan, both in path order (one record in memory: a map of the list's 1,000,000 paths took
 * ~110 MB at the end of a resumed night). A `special` entry (a name that is not valid UTF-8, yielded first,
 * or a FIFO: never one this program wrote) is a stray without moving the list on.
 */
export async function sweepStrays(partial: PartialSnapshot, list: SyncList, signal: AbortSignal): Promise<void> {
  const records = readSyncList(partial.fs, list.file);
  const strays: string[] = [];
  try {
    let at = await records.next();
    let last: string | null = null;
    for await (const entry of scanTree(partial.fs, partial.dir, { signal, caseInsensitive: false })) {
      if (entry.type === 'special') {
        strays.push(entry.rel);
        continue;
      }
      // Never taken for a stray: what the list names would be removed from the snapshot.
      if (last !== null && comparePaths(last, entry.rel) >= 0)
        throw new Error(`sweeping the partial: "${entry.rel}" came after "${last}" (out of path order)`);
      last = entry.rel;
      while (!at.done && comparePaths(at.value.entry.path, entry.rel) < 0) at = await records.next();
      const expected = !at.done && at.value.entry.path === entry.rel ? expectedEntryType(at.value) : null;
      if (expected !== entry.type) strays.push(entry.rel);
    }
  } finally {
    await records.return(undefined);
  }
  for (const rel of strays) {
    partial.log.info({ path: rel }, 'removing a leftover of the interrupted run');
    await removeTree(partial.fs, partial.destPath(rel));
  }
}
