import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import type { FileSystem } from '../fs/types';
import { errnoCode } from '../errors';
import { isExcluded } from './plan';
import { type RetryHooks, type RetryPolicy, withRetry } from '../fs/retry';

export type ScanEntry =
  | { type: 'dir' | 'file' | 'symlink'; rel: string; abs: string; stat: BigIntStats }
  | { type: 'special'; rel: string; abs: string; stat: BigIntStats };

export interface ScanOptions {
  exclude?: readonly string[];
  caseInsensitive?: boolean;
  signal?: AbortSignal;
  /** Retries a folder listing (opening AND reading it, from the start) on transient errors. */
  retry?: { policy: RetryPolicy; hooks?: RetryHooks };
}

function kind(st: BigIntStats): ScanEntry['type'] {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'special';
}

const LSTAT_BATCH = 32;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Walks `root` depth-first in sorted order and yields every entry below it (not the root itself):
 * a folder before its contents. Uses lstat, so symlinks and junctions are reported, never followed;
 * `special` entries (FIFOs, sockets, devices) are reported for the caller to skip with a warning.
 * Only one folder's names are held at a time per level, so memory follows the depth, not the size.
 */
export async function* scanTree(
  fs: Pick<FileSystem, 'opendir' | 'lstat'>,
  root: string,
  options: ScanOptions = {},
): AsyncGenerator<ScanEntry> {
  const exclude = options.exclude ?? [];
  const caseInsensitive = options.caseInsensitive ?? process.platform === 'win32';
  async function* walk(absDir: string, relDir: string): AsyncGenerator<ScanEntry> {
    const list = async (): Promise<string[]> => {
      const listed: string[] = [];
      const dir = await fs.opendir(absDir, { bufferSize: 256 });
      for await (const dirent of dir) listed.push(dirent.name);
      return listed;
    };
    const retry = options.retry;
    let names: string[];
    try {
      names = retry ? await withRetry(list, retry.policy, { signal: options.signal, ...retry.hooks }) : await list();
    } catch (err) {
      if (relDir !== '' && errnoCode(err) === 'ENOENT') return; // removed while we walked
      throw err;
    }
    names.sort(byName);
    const wanted = names.flatMap((name) => {
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      return exclude.length > 0 && isExcluded(rel, exclude, caseInsensitive)
        ? []
        : [{ rel, abs: path.join(absDir, name) }];
    });
    // The lstats of a batch run at once (one thread-pool round trip each, overlapped); yielded in order.
    for (let i = 0; i < wanted.length; i += LSTAT_BATCH) {
      options.signal?.throwIfAborted();
      const batch = wanted.slice(i, i + LSTAT_BATCH);
      const stats = await Promise.all(
        batch.map(({ abs }) =>
          fs.lstat(abs, { bigint: true }).catch((err: unknown) => {
            if (errnoCode(err) === 'ENOENT') return null; // deleted between the listing and now
            throw err;
          }),
        ),
      );
      for (let j = 0; j < batch.length; j += 1) {
        const stat = stats[j];
        if (stat === null) continue;
        const { rel, abs } = batch[j];
        const type = kind(stat);
        yield { type, rel, abs, stat } as ScanEntry;
        if (type === 'dir') yield* walk(abs, rel);
      }
    }
  }
  yield* walk(root, '');
}
