import path from 'node:path';
import { errnoCode } from '../errors';
import { isTransient, type RetryPolicy, withRetry } from './retry';
import type { FileSystem } from './types';

/**
 * Replacing the file is tried again for a moment: on Windows an antivirus scanner or the indexer opens the fresh
 * temporary file without delete sharing, and the rename then fails with EPERM (ACCESS_DENIED) or EBUSY
 * (SHARING_VIOLATION) until it lets go. Retried on every platform: a real permission problem still fails, a
 * few seconds later.
 */
const REPLACE_RETRY: RetryPolicy = { retries: 8, retryMinTimeoutMs: 50, retryMaxTimeMs: 5_000 };
const HELD_BY_ANOTHER_PROGRAM = new Set(['EPERM', 'EBUSY', 'EACCES']);

function isHeldForAMoment(err: unknown): boolean {
  return HELD_BY_ANOTHER_PROGRAM.has(errnoCode(err) ?? '') || isTransient(err);
}

/** A state file's door: written whole (atomically) and read back; narrow, so tests can pass a small double. */
export type AtomicFs = Pick<FileSystem, 'open' | 'rename' | 'rm' | 'mkdir' | 'readFile'>;

/**
 * Flushes a directory's entries (new names, renames) to disk. Windows cannot open a directory for
 * fsync (NTFS journals metadata itself), so there it is a no-op; elsewhere errors other than
 * "not supported" propagate.
 */
export async function fsyncDir(fs: Pick<FileSystem, 'open'>, dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw err;
  } finally {
    await handle.close();
  }
}

export interface WriteFileAtomicOptions {
  /** Create the file's folder (and its parents) first: for the state folder, which may not exist yet. */
  createDir?: boolean;
}

/**
 * Writes a file so that readers (and a power cut at any instant) see the old content or the new, never a
 * torn mix: a temp file beside it, fsynced, renamed over, then the folder fsynced.
 */
export async function writeFileAtomic(
  fs: Pick<FileSystem, 'open' | 'rename' | 'rm' | 'mkdir'>,
  file: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  if (options.createDir) await fs.mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await withRetry(() => fs.rename(tmp, file), REPLACE_RETRY, { shouldRetry: isHeldForAMoment });
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(fs, dir);
}
