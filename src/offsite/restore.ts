import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { checkRestoreTarget } from '../engine/restore';
import type { Logger } from '../log/logger';
import { findOffsiteSnapshot, listOurSnapshots, snapshotIdOf, sourceOf } from './list';
import type { Restic } from './restic';

export interface OffsiteRestoreResult {
  snapshotId: string | null;
  resticSnapshotId: string;
  target: string;
  files: number;
  bytes: number;
  durationSeconds: number;
}

export interface OffsiteRestoreOptions {
  /** Live folders the target may not be, be inside or contain (the configured source, the tagged one). */
  liveSources: string[];
  /** The local store (may be gone on the day this runs). */
  dest: string;
  timeoutMs: number;
  log: Logger;
}

/** Counts files and bytes, and gives every file its write permission back (restored copies are the user's). */
async function finishTree(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = await finishTree(full);
      files += sub.files;
      bytes += sub.bytes;
    } else if (entry.isFile()) {
      const info = await lstat(full);
      files += 1;
      bytes += info.size;
      // A fresh copy, not a store file: the snapshot's read-only protection is not carried over.
      if ((info.mode & 0o200) === 0) await chmod(full, info.mode | 0o200);
    }
  }
  return { files, bytes };
}

/**
 * Restores an offsite copy (our snapshot ID, "latest" or a restic id) into an empty or new folder:
 * for the day the server is gone. restic writes the snapshot's contents straight into the folder
 * (pushes back up `.` inside the snapshot folder) and `--verify` reads every file back.
 */
export async function restoreOffsite(
  restic: Restic,
  id: string,
  target: string,
  options: OffsiteRestoreOptions,
): Promise<OffsiteRestoreResult> {
  const started = Date.now();
  const snapshot = findOffsiteSnapshot(await listOurSnapshots(restic), id);
  const tagged = sourceOf(snapshot);
  const liveSources = [...options.liveSources, ...(tagged && path.isAbsolute(tagged) ? [tagged] : [])];
  // The tagged source is a Windows path when restoring on Linux and vice versa: only same-platform paths count.
  await checkRestoreTarget(target, { liveSources, dest: options.dest });
  await mkdir(target, { recursive: true });
  options.log.info({ resticSnapshotId: snapshot.id, snapshotId: snapshotIdOf(snapshot), target }, 'offsite restore');
  const outcome = await restic.run({
    args: ['restore', snapshot.id, '--target', target, '--verify'],
    timeoutMs: options.timeoutMs,
  });
  if (outcome.code !== 0) throw restic.failure(`offsite restore of ${id}`, outcome);
  const { files, bytes } = await finishTree(target);
  const result = {
    snapshotId: snapshotIdOf(snapshot),
    resticSnapshotId: snapshot.id,
    target,
    files,
    bytes,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
  options.log.info({ ...result }, 'offsite restore done');
  return result;
}
