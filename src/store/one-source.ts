import path from 'node:path';
import { UsageError } from '../errors';
import { localFs } from '../fs/local';
import type { FileSystem } from '../fs/types';
import { readManifestHeader } from './manifest';
import { listSnapshots } from './snapshots';

/**
 * One source per store (issue 14): snapshots of two folders in one store would link, prune and guard
 * against each other (the shrink guard would see one folder "shrink" into the other). The source a
 * snapshot was made of is in its manifest header (and run record); `list` shows it.
 */

/** The source recorded in the newest snapshot of `dest`, or null for an empty (or new) store. */
export async function storeSource(dest: string, fs: FileSystem = localFs): Promise<string | null> {
  const newest = (await listSnapshots(dest, fs)).at(-1);
  if (!newest) return null;
  return (await readManifestHeader(fs, newest.manifestPath)).source;
}

export function sameSourcePath(a: string, b: string, platform: NodeJS.Platform = process.platform): boolean {
  const norm = (p: string) => {
    const resolved = path.resolve(p);
    return platform === 'win32' ? resolved.toLowerCase() : resolved;
  };
  return norm(a) === norm(b);
}

/**
 * Refuses (UsageError, exit 2, before anything is touched) a backup of `source` into a store that holds
 * snapshots of another folder, unless `force` (`backup --force`). Returns a warning when forced.
 */
export async function checkOneSourcePerStore(
  dest: string,
  source: string,
  options: { force?: boolean; fs?: FileSystem } = {},
): Promise<string | null> {
  const recorded = await storeSource(dest, options.fs ?? localFs);
  if (recorded === null || sameSourcePath(recorded, source)) return null;
  if (options.force) return `--force: backing up ${source} into a store that held snapshots of ${recorded}`;
  throw new UsageError(
    `the store ${dest} holds snapshots of ${recorded}, not of ${source}: one store per source folder`,
    'give this source its own --dest (or "destination"), or add --force if the AVImark folder really moved',
  );
}
