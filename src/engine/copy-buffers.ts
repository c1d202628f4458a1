import { type Hash, createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { IO_BUFFER_BYTES, giveIoBuffer, takeIoBuffer } from '../fs/buffer-pool';
import { readToEndSync, syncIo } from '../fs/sync-io';
import { writeFully } from '../fs/write-fully';

/** The copy path's buffers and block I/O for saveFile (./file-saver.ts). */

export const COPY_BUFFER_BYTES = IO_BUFFER_BYTES;

function isZero(buf: Buffer, zero: Buffer): boolean {
  return buf.equals(zero.subarray(0, buf.length));
}

/** The two buffers of a copy (one and the same when the file fits in one read), and how to give them back. */
export function takeBuffers(single: boolean): { bufs: [Buffer, Buffer]; release: () => void } {
  // Reused across files (allocating 1 MiB buffers per file made GC dominate trees of small files).
  const first = takeIoBuffer();
  const bufs: [Buffer, Buffer] = [first, single ? first : takeIoBuffer()];
  const release = () => {
    giveIoBuffer(bufs[0]);
    if (bufs[1] !== bufs[0]) giveIoBuffer(bufs[1]);
  };
  return { bufs, release };
}

/** Shared, never written: compared against to find runs of zeros. */
let zeroBlock: Buffer | null = null;

export function zeroBuffer(): Buffer {
  zeroBlock ??= Buffer.alloc(COPY_BUFFER_BYTES);
  return zeroBlock;
}

/** A chunk of at most one buffer that holds only zeros (left as a hole). */
export const isAllZero = (chunk: Buffer): boolean => isZero(chunk, zeroBuffer());

/**
 * Reads of `source` bounded by the size fstat gave at the start: a file that keeps growing must not make
 * the copy endless (a size change is caught by the stat afterwards and the copy is redone).
 */
export function boundedReader(source: FileHandle, size: number) {
  return (b: Buffer, at: number) => {
    const read =
      at >= size ? Promise.resolve({ bytesRead: 0, buffer: b }) : source.read(b, 0, Math.min(b.length, size - at), at);
    // The read overlaps a write: if the write fails first, nobody awaits this read. Mark it handled so
    // its rejection (EBUSY from a byte-range lock, say) cannot crash the process; awaiting it still throws.
    read.catch(() => undefined);
    return read;
  };
}

/**
 * The read loop of every copy and hash: reads from `from` to the end through `bufs`, handing each chunk and its
 * offset to `use`; with two buffers the next read runs while `use` works on this chunk, with one (a small file)
 * after it. Every read has settled when this returns or throws, so the caller may close the file and give the
 * buffers back. Returns the offset where the reads ended.
 */
export async function readAhead(
  readAt: (b: Buffer, at: number) => Promise<{ bytesRead: number }>,
  bufs: readonly [Buffer, Buffer],
  from: number,
  use: (chunk: Buffer, at: number) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<number> {
  const overlap = bufs[0] !== bufs[1];
  let pos = from;
  let which = 0;
  let pending = readAt(bufs[which], pos);
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await pending;
      if (bytesRead === 0) return pos;
      const chunk = bufs[which].subarray(0, bytesRead);
      const at = pos;
      pos += bytesRead;
      which = 1 - which;
      if (overlap) pending = readAt(bufs[which], pos);
      await use(chunk, at);
      if (!overlap) pending = readAt(bufs[which], pos);
    }
  } finally {
    await pending.then(
      () => undefined,
      () => undefined,
    );
  }
}

/**
 * SHA-256 (lower-case hex) of the open file `handle`, read from its start to its real end, and the bytes read.
 * `small` (a file expected under one buffer): through synchronous reads on the handle (../fs/sync-io.ts: a
 * thread-pool request costs more than such a read); otherwise with two pooled buffers, the next read running
 * while this thread hashes. The caller opens and closes the file.
 */
export async function hashToEnd(
  handle: FileHandle,
  small: boolean,
  signal?: AbortSignal,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  const { bufs, release } = takeBuffers(small);
  try {
    const size = small
      ? readToEndSync(syncIo(handle), bufs[0], (chunk) => hash.update(chunk), signal)
      : await readAhead(
          boundedReader(handle, Number.POSITIVE_INFINITY),
          bufs,
          0,
          (chunk) => {
            hash.update(chunk);
          },
          signal,
        );
    return { sha256: hash.digest('hex'), size };
  } finally {
    release();
  }
}

/**
 * Writes `chunk` at `at` (unless it is all zeros: left as a hole) while this thread hashes it: the write
 * runs in the thread pool, the hash here, on the same unchanging buffer. True when it was written.
 */
export async function writeHashing(
  dst: FileHandle,
  chunk: Buffer,
  at: number,
  hash: Hash,
  zero: Buffer,
): Promise<boolean> {
  const written = isZero(chunk, zero) ? null : writeFully(dst, chunk, at);
  written?.catch(() => undefined); // awaited below; never unhandled
  hash.update(chunk);
  if (written === null) return false;
  await written;
  return true;
}
