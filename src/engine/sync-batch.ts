import type { FileHandle } from 'node:fs/promises';
import { forEachLimited } from '../fs/limited';

export interface SyncBatchLimits {
  /** Flush when this many files wait. */
  files: number;
  /** … or this many bytes. */
  bytes: number;
  /** … or the oldest has waited this long. */
  ms: number;
}

export const DEFAULT_SYNC_BATCH: SyncBatchLimits = { files: 64, bytes: 64 << 20, ms: 200 };

/**
 * fsyncs of one batch running at once. libuv's thread pool is first come first served: a batch that
 * queued all its fsyncs together would hold every thread until the slowest returned, and the copies'
 * reads and writes would wait behind them. Kept below the pool size the CLI sets (src/cli/threadpool.ts).
 */
export const SYNC_CONCURRENCY = 4;

/** `onDurable` callbacks of one batch running at once. */
export const CALLBACK_CONCURRENCY = 8;

interface Waiting {
  handle: FileHandle;
  /** Runs once the file is durable (and closed): e.g. records it as finished in the checkpoint. */
  onDurable: () => Promise<void> | void;
}

/**
 * Makes written files durable in batches instead of one fsync per file on the copy path: copies hand
 * their open, unsynced handle over and move on; a batch fsyncs all its handles at once (the file system
 * can commit them together), closes them, and only THEN runs each file's `onDurable`, so nothing is
 * ever recorded as finished before its data is on disk. One batch is made durable while the next fills;
 * a batch that fills while the one before is still syncing makes the adding copy wait (back-pressure,
 * at most two batches of open files); a timer flushes a partial one. Errors of a timer flush surface at
 * the next add/flush.
 */
export class SyncBatch {
  private waiting: Waiting[] = [];
  private waitingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private failure: unknown = null;
  /** The batch being made durable (settles, never rejects). */
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly limits: SyncBatchLimits = DEFAULT_SYNC_BATCH) {}

  async add(handle: FileHandle, bytes: number, onDurable: Waiting['onDurable']): Promise<void> {
    if (this.failure !== null) {
      await handle.close().catch(() => undefined);
      throw this.failure;
    }
    this.waiting.push({ handle, onDurable });
    this.waitingBytes += bytes;
    if (this.waiting.length >= this.limits.files || this.waitingBytes >= this.limits.bytes) {
      const before = this.inFlight;
      void this.flush().catch(() => undefined); // kept in `failure`
      await before;
      if (this.failure !== null) throw this.failure;
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush().catch(() => undefined); // kept in `failure`
      }, this.limits.ms);
      this.timer.unref();
    }
  }

  /** Makes everything added so far durable and runs its callbacks. */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    const run = this.chain.then(async () => {
      if (this.failure !== null) {
        await closeAll(batch);
        throw this.failure;
      }
      try {
        await forEachLimited(batch, SYNC_CONCURRENCY, (w) => w.handle.sync());
      } finally {
        await closeAll(batch);
      }
      // In parallel: a restore's callbacks rename (a thread-pool round trip each), and the next batch
      // waits for these before it is made durable.
      await forEachLimited(batch, CALLBACK_CONCURRENCY, (w) => Promise.resolve(w.onDurable()));
    });
    this.chain = run.catch((err: unknown) => {
      this.failure ??= err;
    });
    this.inFlight = this.chain;
    return run;
  }

  /** Closes whatever waits without recording it (a failed or interrupted run: the files are redone on resume). */
  async discard(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    await this.chain;
    await closeAll(batch);
  }
}

async function closeAll(batch: readonly Waiting[]): Promise<void> {
  await Promise.all(batch.map((w) => w.handle.close().catch(() => undefined)));
}
