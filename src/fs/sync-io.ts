import { type BigIntStats, fchmodSync, fstatSync, ftruncateSync, futimesSync, readSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * Synchronous calls on an open handle, for the copies of small files. Each call through a FileHandle is a
 * request to libuv's thread pool, which wakes a pool thread and then the event loop; for a file of a few KiB
 * those wake-ups cost more than the read, the write and the metadata calls themselves (docs/bench.md,
 * "Full backup, profiled again"). The file is still opened, flushed and closed through its handle.
 *
 * A wrapper of the file system that wraps handles (the tests' faulty one) gives its handles their own
 * SyncIo under SYNC_IO, so faults reach these calls as they reach the handle's methods.
 */
export interface SyncIo {
  /** Bytes read into `buf` at `offset` from `position` (0: the end of the file). */
  read(buf: Buffer, offset: number, length: number, position: number): number;
  /** Bytes written from `buf` at `offset` to `position` (may be fewer than `length`). */
  write(buf: Buffer, offset: number, length: number, position: number): number;
  stat(): BigIntStats;
  utimes(atime: number | string, mtime: number | string): void;
  chmod(mode: number): void;
  truncate(length: number): void;
}

/** Where a wrapped handle keeps its own SyncIo. */
export const SYNC_IO: unique symbol = Symbol('avimark-backup.syncIo');

type WithSyncIo = FileHandle & { [SYNC_IO]?: SyncIo };

/** The synchronous calls on `handle`: its wrapper's, or node:fs's on its descriptor. */
export function syncIo(handle: FileHandle): SyncIo {
  const own = (handle as WithSyncIo)[SYNC_IO];
  if (own !== undefined) return own;
  const fd = handle.fd;
  return {
    read: (buf, offset, length, position) => readSync(fd, buf, offset, length, position),
    write: (buf, offset, length, position) => writeSync(fd, buf, offset, length, position),
    stat: () => fstatSync(fd, { bigint: true }),
    utimes: (atime, mtime) => futimesSync(fd, atime, mtime),
    chmod: (mode) => fchmodSync(fd, mode),
    truncate: (length) => ftruncateSync(fd, length),
  };
}

/** Writes all of `chunk` at `at` (write(2) may return a short count: keep going; see writeFully). */
export function writeFullySync(io: SyncIo, chunk: Buffer, at: number): void {
  let offset = 0;
  while (offset < chunk.length) {
    const n = io.write(chunk, offset, chunk.length - offset, at + offset);
    if (n <= 0) throw new Error(`write made no progress (${offset} of ${chunk.length} bytes written)`);
    offset += n;
  }
}

/**
 * Reads `io` from its start to its real end (whatever size was expected) through `buf`, one buffer at a
 * time, handing each chunk to `onChunk` before the next read reuses `buf`; returns the bytes read.
 */
export function readToEndSync(
  io: SyncIo,
  buf: Buffer,
  onChunk: (chunk: Buffer, at: number) => void,
  signal?: AbortSignal,
): number {
  let pos = 0;
  for (;;) {
    signal?.throwIfAborted();
    const n = io.read(buf, 0, buf.length, pos);
    if (n === 0) return pos;
    onChunk(buf.subarray(0, n), pos);
    pos += n;
  }
}
