import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, errnoCode } from '../errors';
import type { FileSystem } from '../fs/types';
import { writeFully } from '../fs/write-fully';

/** The file operations of a restore (./restore.ts): temporary names, copying, replacing, folders. */

/**
 * A file is written under a short temporary name in its folder (never its own name plus a suffix, which would
 * push a name near the 255-byte limit over it) and renamed into place once durable.
 */
export const tempName = (n: number): string => `.avb-${process.pid}-${n}.tmp`;
const isTempName = (name: string): boolean => /^\.avb-\d+-\d+\.tmp$/.test(name);

/**
 * Copies `from` to `temp` (a temporary name beside the file's own), hashing the bytes as they are written, and gives it the
 * recorded times. Returns the copy still open and NOT fsynced: the caller syncs it before renaming it into place.
 */
export async function copyAndHash(
  fs: FileSystem,
  from: string,
  temp: string,
  buffer: Buffer,
  [atime, mtime]: [number | string, number | string],
  signal?: AbortSignal,
): Promise<{ sha256: string; bytes: number; temp: string; unsynced: FileHandle }> {
  const hash = createHash('sha256');
  const input = await fs.open(from, 'r');
  let bytes = 0;
  let output: FileHandle;
  try {
    output = await fs.open(temp, 'w');
  } catch (err) {
    await input.close();
    throw err;
  }
  try {
    try {
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        // The write runs in the thread pool while this thread hashes the same buffer.
        const written = writeFully(output, chunk);
        written.catch(() => undefined); // awaited just below
        hash.update(chunk);
        await written;
        bytes += bytesRead;
      }
      await output.utimes(atime, mtime);
    } catch (err) {
      await output.close().catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  } finally {
    await input.close();
  }
  return { sha256: hash.digest('hex'), bytes, temp, unsynced: output };
}

/**
 * Runs `create` (which makes `to`). Whatever is already there (only with --force) is replaced: a file
 * by the rename itself (after clearing read-only, which Windows would refuse), a link by removing it
 * first. A folder in the way is an error.
 */
export async function replaceWith(
  fs: FileSystem,
  to: string,
  create: () => Promise<void>,
  how: 'rename' | 'create' = 'rename',
): Promise<void> {
  try {
    const existing = await fs.lstat(to);
    if (existing.isDirectory()) throw new UsageError(`cannot restore ${to}: a folder of that name is in the way`);
    if (existing.isSymbolicLink() || how === 'create') await fs.unlink(to);
    else if ((existing.mode & 0o200) === 0) await fs.chmod(to, 0o666);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  await create();
}

export async function ensureDir(fs: FileSystem, dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') throw new UsageError(`cannot restore ${dir}: a file of that name is in the way`);
    throw err;
  }
  const info = await fs.lstat(dir);
  if (!info.isDirectory()) throw new UsageError(`cannot restore ${dir}: a file of that name is in the way`);
}

/** Removes the temporary files (tempName) of copies that never finished, anywhere under `dir`. */
export async function removeUnfinished(fs: FileSystem, dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    const full = path.join(dir, name);
    if (isTempName(name)) {
      await fs.rm(full, { force: true });
      continue;
    }
    const info = await fs.lstat(full).catch(() => null);
    if (info?.isDirectory()) await removeUnfinished(fs, full);
  }
}
