import os from 'node:os';
import path from 'node:path';
import { UsageError, errnoCode } from '../errors';
import { fsyncDir, writeFileAtomic } from '../fs/durable';
import { exists, readdirOrEmpty } from '../fs/read';
import { METADATA_RETRY, describeFsError, withRetry } from '../fs/retry';
import type { FileSystem } from '../fs/types';
import type { Logger } from '../log/logger';
import {
  STORE_FORMAT,
  compareSnapshotIds,
  isSnapshotId,
  partialDir,
  partialStateDir,
  storeLayout,
  updateLatest,
} from './layout';
import { listTrustedSnapshots } from './snapshots';
import type { SnapshotId } from './types';

/**
 * The store's life cycle around a snapshot in progress: creating the store, the partials in
 * DEST/in-progress/ (listed, created, discarded) and the steps after a commit's rename.
 */

/** Names a store holds at its top level. */
const STORE_NAMES = new Set(['snapshots', 'meta', 'in-progress', 'latest', 'store.json', 'lock']);

/** Leftovers of our own interrupted writes (a first run killed before store.json was renamed into place). */
const isOwnLeftover = (n: string) =>
  n.startsWith('latest.tmp-') || n.startsWith('lock.stale-') || n.startsWith('store.json.tmp-');

/**
 * Creates DEST and its folders on first use. A folder that is not empty and not a store is refused, so
 * a typo in --dest cannot scatter our folders into someone's documents.
 */
export async function ensureStore(fs: FileSystem, dest: string): Promise<void> {
  const layout = storeLayout(dest);
  const names = await readdirOrEmpty(fs, dest);
  for (const n of names.filter((name) => name.startsWith('store.json.tmp-'))) {
    await fs.rm(path.join(dest, n), { force: true });
  }
  // Our own leftovers must not make the store look foreign forever.
  if (!names.includes('store.json') && names.some((n) => !STORE_NAMES.has(n) && !isOwnLeftover(n))) {
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

/** The partial snapshots in DEST/in-progress/, oldest first. */
export async function listPartials(fs: FileSystem, dest: string): Promise<SnapshotId[]> {
  const dir = storeLayout(dest).inProgressDir;
  const ids: SnapshotId[] = [];
  for (const name of await fs.readdir(dir)) {
    if (!isSnapshotId(name)) continue;
    const st = await fs.lstat(path.join(dir, name));
    if (st.isDirectory()) ids.push(name);
  }
  return ids.sort(compareSnapshotIds);
}

/** Creates the (empty) folder of a new partial and makes its name durable. */
export async function createPartialDir(fs: FileSystem, dest: string, id: SnapshotId): Promise<void> {
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
  await fsyncDir(fs, storeLayout(dest).inProgressDir);
}

/** Removes a partial and its checkpoint (one that cannot be resumed). */
export async function discardPartial(fs: FileSystem, dest: string, id: SnapshotId): Promise<void> {
  await fs.rm(partialDir(dest, id), { recursive: true, force: true });
  await fs.rm(partialStateDir(dest, id), { recursive: true, force: true });
}

/**
 * Steps after the rename: point `latest` at the newest snapshot (not a suspect one: ./suspect.ts) and drop
 * the checkpoint. Idempotent.
 */
export async function finishCommit(fs: FileSystem, dest: string, id: SnapshotId, log: Logger): Promise<void> {
  const newest = (await listTrustedSnapshots(dest, fs)).at(-1)?.id;
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
export async function finishInterruptedCommits(fs: FileSystem, dest: string, log: Logger): Promise<void> {
  const dir = storeLayout(dest).inProgressDir;
  for (const name of await fs.readdir(dir)) {
    if (!name.endsWith('.state')) continue;
    const id = name.slice(0, -'.state'.length);
    if (!isSnapshotId(id)) continue;
    if (await exists(fs, partialDir(dest, id)).catch(() => false)) continue;
    log.info({ snapshot: id }, `finishing the commit of snapshot ${id}`);
    await finishCommit(fs, dest, id, log);
  }
}
