import { createHash, type Hash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { FileSystem } from '../fs/types';
import { RunFailedError, errnoCode } from '../errors';
import { utimesTime } from './times';
import { BackgroundCheckpoints } from './copy-checkpoints';
import {
  COPY_BUFFER_BYTES,
  boundedReader,
  hashToEnd,
  isAllZero,
  readAhead,
  takeBuffers,
  writeHashing,
  zeroBuffer,
} from './copy-buffers';
import { isNearPath } from '../fs/near-path';
import { removeIfExists } from '../fs/remove';
import { syncIo, writeFullySync } from '../fs/sync-io';

/** A large file's copy is fsynced and checkpointed every this many bytes. */
export const CHECKPOINT_EVERY_BYTES = 32 * (1 << 20);
/**
 * How far a large file's copy may run ahead of its last durable checkpoint. Checkpoint fsyncs run beside
 * the copy; on a contended disk they can take seconds while the copy fills the page cache, and a kill
 * then loses everything past the last recorded checkpoint. At this lead the copy waits for the pending
 * checkpoint (or starts one), so a kill or a power cut re-copies at most this much of the file.
 */
export const MAX_AHEAD_OF_CHECKPOINT_BYTES = 256 * (1 << 20);

/** A file that kept changing while it was read: storing it would store a torn copy. */
export class UnstableFileError extends RunFailedError {
  constructor(
    readonly file: string,
    attempts: number,
  ) {
    super(
      `"${file}" kept changing while it was being copied (${attempts} attempts); no torn copy was stored`,
      'make sure nothing writes to the source during the backup (is AVImark still running?)',
    );
  }
}

export interface SavedFile {
  sha256: string;
  size: number;
  mtimeNs: string;
  mode: number;
  /** Bytes this call actually wrote (less than size when resumed or when zero runs were skipped as holes). */
  bytesCopied: number;
  /** Bytes read from the source (includes re-reads of unstable attempts). */
  bytesRead: number;
  /**
   * With `deferSync`: the still open, NOT yet fsynced copy. The caller must sync() and close() it (a
   * SyncBatch does both) before recording the file as finished anywhere.
   */
  unsynced?: FileHandle;
}

export interface SaveFileOptions {
  /** Open handle on the source: its fstat is the truth for size and time. */
  source: FileHandle;
  /**
   * The source handle's fstat, taken by the caller just before (to decide to copy): the first attempt's
   * "before" (a change after it is caught by the stat after the copy), saving a second fstat per file.
   */
  sourceStat?: BigIntStats;
  sourceLabel: string;
  /**
   * The source is on a network share (../fs/near-path.ts): no synchronous call is made on it, so a hung share
   * holds a thread of the pool, not the event loop. Default: on a disk of this computer.
   */
  sourceFar?: boolean;
  dstFs: FileSystem;
  dstPath: string;
  /** Continue a previous copy: dst already holds this many fsynced bytes of the same source version. */
  resumeFrom?: number;
  unstableRetries: number;
  /** Only files at least this big report checkpoints. */
  largeFileBytes: number;
  checkpointEveryBytes?: number;
  /** Bound on bytes written past the last durable checkpoint (default MAX_AHEAD_OF_CHECKPOINT_BYTES). */
  maxAheadOfCheckpointBytes?: number;
  onCheckpoint?: (offset: number, stat: BigIntStats) => Promise<void>;
  onBytes?: (n: number) => void;
  signal?: AbortSignal;
  /** Leave the copy open and unsynced (see SavedFile.unsynced) so fsyncs can be batched off the copy path. */
  deferSync?: boolean;
}

/** Creates `p` exclusively; a name already there is unlinked first (never written through: it may be a hard link into an older snapshot). */
async function createFresh(fs: FileSystem, p: string): Promise<FileHandle> {
  try {
    return await fs.open(p, 'wx');
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  await removeIfExists(fs, p);
  return fs.open(p, 'wx');
}

/** Re-hashes the already written prefix of a resumed copy (cheaper than reading it again over the network). */
async function hashPrefix(
  dst: FileHandle,
  length: number,
  hash: Hash,
  buf: Buffer,
  signal?: AbortSignal,
): Promise<void> {
  let pos = 0;
  while (pos < length) {
    signal?.throwIfAborted();
    const want = Math.min(buf.length, length - pos);
    const { bytesRead } = await dst.read(buf, 0, want, pos);
    if (bytesRead === 0) {
      // Past the end (a hole we never extended): the rest of the prefix is zeros.
      hash.update(Buffer.alloc(length - pos));
      return;
    }
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
}

interface AttemptResult {
  sha256: string;
  size: number;
  bytesCopied: number;
  bytesRead: number;
  before: BigIntStats;
  after: BigIntStats;
  /** Only with deferSync: the open, unsynced copy. */
  unsynced?: FileHandle;
  /** The copy was made read-only already (a small file's, through its handle). */
  readOnly?: boolean;
}

/** Opens the copy: created fresh, or (resuming) reopened, cut to the prefix and the prefix hashed. */
async function openCopy(opts: SaveFileOptions, resumeFrom: number, hash: Hash, buf: Buffer): Promise<FileHandle> {
  const { dstFs, dstPath, signal } = opts;
  if (resumeFrom === 0) return createFresh(dstFs, dstPath);
  const dst = await dstFs.open(dstPath, 'r+');
  const dstStat = await dst.stat({ bigint: true });
  if (dstStat.nlink !== 1n) {
    await dst.close();
    throw new Error(`refusing to resume ${dstPath}: it has ${dstStat.nlink} links`);
  }
  await dst.truncate(resumeFrom);
  await hashPrefix(dst, resumeFrom, hash, buf, signal);
  return dst;
}

/** With deferSync, a stable copy is handed over open and unsynced (true); otherwise it is fsynced here. */
async function leaveUnsynced(opts: SaveFileOptions, result: AttemptResult, dst: FileHandle): Promise<boolean> {
  if (opts.deferSync && stable(result)) {
    result.unsynced = dst;
    return true;
  }
  await dst.sync();
  return false;
}

/**
 * An attempt's start: the copy buffers and the opened copy (buffers given back if opening fails).
 */
async function startAttempt(opts: SaveFileOptions, resumeFrom: number, before: BigIntStats) {
  const size = Number(before.size);
  // A file that fits in one read needs only one buffer (the second read just sees the end).
  const { bufs, release } = takeBuffers(size - resumeFrom < COPY_BUFFER_BYTES);
  const hash = createHash('sha256');
  try {
    const dst = await openCopy(opts, resumeFrom, hash, bufs[0]);
    return { size, bufs, release, hash, dst };
  } catch (err) {
    release();
    throw err;
  }
}

/** The read-only mode of a copy of a file whose stat is `st`. */
const readOnlyMode = (st: BigIntStats): number => Number(st.mode) & 0o7777 & ~0o222;

/**
 * A fresh copy of a file that fits in one buffer, through synchronous calls on the two open handles
 * (../fs/sync-io.ts): one read bounded by the size in `before`, the write (a chunk of zeros is left as a
 * hole), the stat after, the times and, when the source held still, the read-only mode. The file is opened,
 * flushed and closed as every copy is. Same result as copyLarge's for such a file.
 */
async function copySmall(opts: SaveFileOptions, before: BigIntStats): Promise<AttemptResult> {
  opts.signal?.throwIfAborted();
  const size = Number(before.size);
  const { bufs, release } = takeBuffers(true);
  let dst: FileHandle;
  try {
    dst = await createFresh(opts.dstFs, opts.dstPath);
  } catch (err) {
    release();
    throw err;
  }
  let keepOpen = false;
  try {
    const src = syncIo(opts.source);
    const out = syncIo(dst);
    let pos = 0;
    for (let n = -1; pos < size && n !== 0; pos += n) n = src.read(bufs[0], pos, size - pos, pos);
    const chunk = bufs[0].subarray(0, pos);
    const hole = isAllZero(chunk);
    if (hole && pos > 0) out.truncate(pos);
    else writeFullySync(out, chunk, 0);
    const sha256 = createHash('sha256').update(chunk).digest('hex');
    opts.onBytes?.(pos);
    const after = src.stat();
    out.utimes(utimesTime(after.atimeNs), utimesTime(after.mtimeNs));
    const bytesCopied = hole ? 0 : pos;
    const result: AttemptResult = { sha256, size: pos, bytesCopied, bytesRead: pos, before, after };
    if (stable(result)) {
      out.chmod(readOnlyMode(after));
      result.readOnly = true;
    }
    keepOpen = await leaveUnsynced(opts, result, dst);
    return result;
  } finally {
    release();
    if (!keepOpen) await dst.close();
  }
}

/**
 * One attempt at the copy: `known` is the source's stat when the caller has just taken it. A fresh copy of a
 * file that fits in one buffer (and is not checkpointed) goes through copySmall when both the source and the copy
 * are on disks of this computer (../fs/near-path.ts: on a network share a synchronous call could hold the event
 * loop for the share's timeout); the rest through copyLarge.
 */
async function copyOnce(
  opts: SaveFileOptions,
  resumeFrom: number,
  known: BigIntStats | undefined,
): Promise<AttemptResult> {
  const before =
    known ?? (opts.sourceFar === true ? await opts.source.stat({ bigint: true }) : syncIo(opts.source).stat());
  const checkpointed = before.size >= BigInt(opts.largeFileBytes) && opts.onCheckpoint !== undefined;
  const small = resumeFrom === 0 && !checkpointed && before.size <= BigInt(COPY_BUFFER_BYTES);
  if (small && opts.sourceFar !== true && isNearPath(opts.dstPath)) return copySmall(opts, before);
  return copyLarge(opts, resumeFrom, before);
}

async function copyLarge(opts: SaveFileOptions, resumeFrom: number, before: BigIntStats): Promise<AttemptResult> {
  const { source, signal } = opts;
  const { size, bufs, release, hash, dst } = await startAttempt(opts, resumeFrom, before);
  const zero = zeroBuffer();
  let pos = resumeFrom;
  let bytesCopied = 0;
  let bytesRead = 0;
  const large = size >= opts.largeFileBytes && opts.onCheckpoint !== undefined;
  const every = opts.checkpointEveryBytes ?? CHECKPOINT_EVERY_BYTES;
  let nextCheckpoint = pos + every;
  let fileLength = pos; // how long dst is now (empty when created; the prefix when resumed)
  let keepOpen = false;
  const maxAhead = opts.maxAheadOfCheckpointBytes ?? MAX_AHEAD_OF_CHECKPOINT_BYTES;
  const checkpoints = new BackgroundCheckpoints(dst, before, opts.onCheckpoint, pos);
  const materialise = async (at: number) => {
    await dst.truncate(at); // materialise a trailing hole so the prefix length is on disk
    fileLength = at;
  };
  // Each chunk: stay within the bound ahead of the last durable checkpoint, write it (a zero run is left as a
  // hole) while hashing it, and start a checkpoint of a large file every `every` bytes.
  const copyChunk = async (chunk: Buffer, at: number): Promise<void> => {
    const n = chunk.length;
    const end = at + n;
    bytesRead += n;
    if (large) await checkpoints.keepWithin(end, maxAhead, at, () => materialise(at));
    if (await writeHashing(dst, chunk, at, hash, zero)) {
      bytesCopied += n;
      fileLength = Math.max(fileLength, end);
    }
    opts.onBytes?.(n);
    checkpoints.check();
    if (large && end >= nextCheckpoint && checkpoints.idle) {
      nextCheckpoint = end + every;
      await materialise(end);
      // The copy goes on while the prefix is made durable; the offset is recorded once it is.
      checkpoints.start(end);
    }
  };
  try {
    pos = await readAhead(boundedReader(source, size), bufs, pos, copyChunk, signal);
    await checkpoints.settle();
    checkpoints.check();
    if (fileLength !== pos) await dst.truncate(pos); // extends the file over skipped zero runs at the end
    const after = await source.stat({ bigint: true });
    await dst.utimes(utimesTime(after.atimeNs), utimesTime(after.mtimeNs));
    const result: AttemptResult = { sha256: hash.digest('hex'), size: pos, bytesCopied, bytesRead, before, after };
    keepOpen = await leaveUnsynced(opts, result, dst);
    return result;
  } finally {
    // (readAhead has let its reads settle.) A checkpoint fsync settles before the copy is closed.
    await checkpoints.settle();
    release();
    if (!keepOpen) await dst.close();
  }
}

function stable(a: Pick<AttemptResult, 'before' | 'after' | 'size'>): boolean {
  return a.before.size === a.after.size && a.before.mtimeNs === a.after.mtimeNs && BigInt(a.size) === a.after.size;
}

/**
 * Copies an open source file to `dstPath`, hashing (SHA-256) in the same pass with two reused 1 MiB
 * buffers (the next read overlaps the current write; a file smaller than one buffer uses one). Runs of zeros are left as holes, so sparse sources stay
 * sparse. The source's size and modification time are read from the open handle before and after; if
 * they moved, the copy is redone (up to `unstableRetries` more times) and then fails as unstable. On
 * success the copy is fsynced, carries the source's modification time and is made read-only.
 */
export async function saveFile(opts: SaveFileOptions): Promise<SavedFile> {
  let resumeFrom = opts.resumeFrom ?? 0;
  let totalCopied = 0;
  let totalRead = 0;
  for (let attempt = 1; ; attempt += 1) {
    const result = await copyOnce(opts, resumeFrom, attempt === 1 ? opts.sourceStat : undefined);
    totalCopied += result.bytesCopied;
    totalRead += result.bytesRead;
    if (stable(result)) {
      const mode = Number(result.after.mode) & 0o7777;
      try {
        if (result.readOnly !== true) await opts.dstFs.chmod(opts.dstPath, readOnlyMode(result.after));
      } catch (err) {
        await result.unsynced?.close().catch(() => undefined);
        throw err;
      }
      return {
        unsynced: result.unsynced,
        sha256: result.sha256,
        size: result.size,
        mtimeNs: result.after.mtimeNs.toString(),
        mode,
        bytesCopied: totalCopied,
        bytesRead: totalRead,
      };
    }
    if (attempt > opts.unstableRetries) {
      await removeIfExists(opts.dstFs, opts.dstPath);
      throw new UnstableFileError(opts.sourceLabel, attempt);
    }
    resumeFrom = 0; // the source moved under us: start over from a clean copy
  }
}

/**
 * SHA-256 of an open file (for --checksum decisions), read to its end (hashToEnd: a file smaller than one buffer
 * through synchronous reads, as its copy would be, unless it is `far`: on a network share), with its stat
 * before and after.
 */
export async function hashHandle(
  handle: FileHandle,
  opts: { far?: boolean; signal?: AbortSignal } = {},
): Promise<{ sha256: string; size: number; before: BigIntStats; after: BigIntStats }> {
  const near = opts.far !== true;
  const io = syncIo(handle);
  const before = near ? io.stat() : await handle.stat({ bigint: true });
  const small = near && before.size < BigInt(COPY_BUFFER_BYTES);
  const { sha256, size } = await hashToEnd(handle, small, opts.signal);
  const after = small ? io.stat() : await handle.stat({ bigint: true });
  return { sha256, size, before, after };
}
