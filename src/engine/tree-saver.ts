import { errnoCode } from '../errors';
import { removeIfExists, removeTree } from '../fs/remove';
import type { SourceFs } from '../fs/types';
import { dirChanged, dirEntry, symlinkEntry } from './entries';
import type { PartialSnapshot } from './partial';
import { expectedEntryType, planRemovals } from './plan';
import type { ScanEntry } from './scan';
import { scanTree } from './scan';

/** The partial's folders and links (restic's tree saver): created as the scan meets them, removed when gone. */

export async function saveDir(partial: PartialSnapshot, entry: ScanEntry): Promise<void> {
  const { fs, checkpoint } = partial;
  const rel = entry.rel;
  const dst = partial.destPath(rel);
  const done = checkpoint.done.get(rel);
  if (done && done.how !== 'dir') {
    await fs.rm(dst, { recursive: true, force: true });
    await checkpoint.record({ t: 'del', p: rel });
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
  if (dirChanged(checkpoint.done.get(rel), e)) await checkpoint.record({ t: 'done', how: 'dir', e });
}

export async function saveSymlink(partial: PartialSnapshot, entry: ScanEntry, sourceFs: SourceFs): Promise<void> {
  const { fs, checkpoint } = partial;
  const rel = entry.rel;
  const target = await sourceFs.readlink(entry.abs);
  const done = checkpoint.done.get(rel);
  const dst = partial.destPath(rel);
  if (done?.how === 'symlink' && done.entry.linkTarget === target) {
    const there = await fs.lstat(dst).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    if (there || partial.hasWarned('symlink')) return;
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
  await checkpoint.record({ t: 'done', how: 'symlink', e: symlinkEntry(rel, entry.stat, target) });
}

/** Removes what the partial holds that the source no longer has (`seen`); returns how many paths went. */
export async function removeGone(
  partial: PartialSnapshot,
  seen: ReadonlySet<string>,
  signal: AbortSignal,
): Promise<number> {
  let removed = 0;
  for (const gone of planRemovals(partial.checkpoint.done.keys(), seen)) {
    signal.throwIfAborted();
    await partial.forget(gone);
    removed += 1;
  }
  return removed;
}

/** Removes anything in the partial the checkpoint does not know (leftovers of an interrupted copy). */
export async function sweepStrays(partial: PartialSnapshot, signal: AbortSignal): Promise<void> {
  const strays: string[] = [];
  for await (const entry of scanTree(partial.fs, partial.dir, { signal, caseInsensitive: false })) {
    if (expectedEntryType(partial.checkpoint.done.get(entry.rel)) !== entry.type) strays.push(entry.rel);
  }
  for (const rel of strays) {
    partial.log.info({ path: rel }, 'removing a leftover of the interrupted run');
    await removeTree(partial.fs, partial.destPath(rel));
  }
}
