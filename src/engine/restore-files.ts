import { type Hash, createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, errnoCode } from '../errors';
import { isNearPath } from '../fs/near-path';
import type { FileSystem } from '../fs/types';
import { readToEndSync, syncIo, writeFullySync } from '../fs/sync-io';
import { writeFully } from '../fs/write-fully';
import { COPY_BUFFER_BYTES, boundedReader, readAhead, takeBuffers } from './copy-buffers';

/** The file operations of a restore (./restore.ts): temporary names, copying, replacing, folders. */

/**
 * A file is written under a short temporary name in its folder (never its own name plus a suffix, which would
 * push a name near the 255-byte limit over it) and renamed into place once durable.
 */
export const tempName = (n: number): string => `.avb-${process.pid}-${n}.tmp`;
const isTempName = (name: string): boolean => /^\.avb-\d+-\d+\.tmp$/.test(name);

/**
 * Copies `from` to `temp` (a temporary name beside the file's own), hashing the bytes as they are written, and gives it the
 * recorded times and `mode` through the open handle (the rename into place keeps both; a read-only source of a
 * rename is allowed on Windows too, only a read-only target is refused: docs/windows-validation.md §16). Returns
 * the copy still open and NOT fsynced: the caller syncs it before renaming it into place.
 * Two buffers, as in the backup's copy (./file-saver.ts): the next read runs while this chunk is written and
 * hashed; a file the manifest gives as smaller than one buffer is copied with one, synchronously (unless either file
 * is on a network share). Reads go on to the end of the file
 * whatever the manifest says, so a longer or shorter copy shows in `bytes`.
 */
export async function copyAndHash(
  fs: FileSystem,
  from: string,
  temp: string,
  expectedSize: number,
  [atime, mtime]: [number | string, number | string],
  mode: number,
  signal?: AbortSignal,
): Promise<{ sha256: string; bytes: number; temp: string; unsynced: FileHandle }> {
  const input = await fs.open(from, 'r');
  let output: FileHandle;
  try {
    output = await fs.open(temp, 'w');
  } catch (err) {
    await input.close();
    throw err;
  }
  // Synchronous calls only when both files are on disks of this computer (../fs/near-path.ts).
  const small = expectedSize < COPY_BUFFER_BYTES && isNearPath(from) && isNearPath(temp);
  const { bufs, release } = takeBuffers(small);
  const hash = createHash('sha256');
  let bytes: number;
  try {
    try {
      bytes = small
        ? copySmallSync(input, output, bufs[0], hash, signal)
        : await copyStreamed(input, output, bufs, hash, signal);
      if (small) {
        const io = syncIo(output);
        io.utimes(atime, mtime);
        io.chmod(mode);
      } else {
        await output.utimes(atime, mtime);
        await output.chmod(mode);
      }
    } catch (err) {
      await output.close().catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  } finally {
    release();
    await input.close();
  }
  return { sha256: hash.digest('hex'), bytes, temp, unsynced: output };
}

/** The streamed copy of copyAndHash: the next read runs while this chunk is written and hashed. */
function copyStreamed(
  input: FileHandle,
  output: FileHandle,
  bufs: [Buffer, Buffer],
  hash: Hash,
  signal?: AbortSignal,
): Promise<number> {
  // No bound: a restore reads to the real end, so a copy longer than the manifest says shows in `bytes`.
  const readAt = boundedReader(input, Number.POSITIVE_INFINITY);
  return readAhead(
    readAt,
    bufs,
    0,
    async (chunk, at) => {
      // The write runs in the thread pool while this thread hashes the same buffer.
      const written = writeFully(output, chunk, at);
      written.catch(() => undefined); // awaited just below
      hash.update(chunk);
      await written;
    },
    signal,
  );
}

/**
 * The copy of a file the manifest gives as smaller than one buffer, through synchronous calls on the open
 * handles (../fs/sync-io.ts: a thread-pool request costs more than such a read or write). Still read to the
 * real end, one buffer at a time.
 */
function copySmallSync(input: FileHandle, output: FileHandle, buf: Buffer, hash: Hash, signal?: AbortSignal): number {
  const to = syncIo(output);
  return readToEndSync(
    syncIo(input),
    buf,
    (chunk, at) => {
      writeFullySync(to, chunk, at);
      hash.update(chunk);
    },
    signal,
  );
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
