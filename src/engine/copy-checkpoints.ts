import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * A large copy's checkpoints: at most one fsync runs beside the copy (it never rejects; its error is
 * kept and thrown by `check`), and the offset is reported once the prefix is durable.
 */
export class BackgroundCheckpoints {
  private running: Promise<void> | null = null;
  private failure: unknown = null;
  /** Offset of the last checkpoint made durable and reported (the copy's start when none was). */
  durable: number;
  /** Offset of the checkpoint running, or of the last one. */
  private started: number;

  constructor(
    private readonly dst: FileHandle,
    private readonly before: BigIntStats,
    private readonly onCheckpoint: ((offset: number, stat: BigIntStats) => Promise<void>) | undefined,
    from: number,
  ) {
    this.durable = from;
    this.started = from;
  }

  get idle(): boolean {
    return this.running === null;
  }

  check(): void {
    if (this.failure !== null) throw this.failure;
  }

  /** Starts a checkpoint at `offset` (dst must already be `offset` bytes long). */
  start(offset: number): void {
    this.started = offset;
    this.running = this.dst
      .sync()
      .then(() => this.onCheckpoint?.(offset, this.before))
      .then(() => {
        this.durable = Math.max(this.durable, offset);
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.running = null;
      });
  }

  /**
   * Before writing up to `end`: waits until that is at most `max` bytes past the last durable checkpoint,
   * checkpointing at `at` (where the copy is now, `materialise` makes dst that long) when none is pending.
   */
  async keepWithin(end: number, max: number, at: number, materialise: () => Promise<void>): Promise<void> {
    while (end - this.durable > max && this.durable < at) {
      if (this.running === null) {
        if (this.started >= at) return; // nothing newer to make durable (a failed checkpoint: check() throws)
        await materialise();
        this.start(at);
      }
      await this.settle();
      this.check();
    }
  }

  async settle(): Promise<void> {
    await this.running;
  }
}
