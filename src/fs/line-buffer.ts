import type { FileHandle } from 'node:fs/promises';
import { giveIoBuffer, takeIoBuffer } from './buffer-pool';
import { writeFully } from './write-fully';

/**
 * Lines written to a file in the order given, one write per full buffer, while the caller goes on (the
 * writes are queued one after another). Each line is encoded into a pooled buffer as it comes, so its
 * string dies young: text gathered as strings until a write would live through several of V8's young
 * collections and be promoted, hundreds of KiB at a time (tens of MiB over a sync of 100,000 files).
 * A caller that must not run ahead of the disk awaits `room()`. The first write that fails stops the ones
 * after it; `room()` and `drained()` throw it.
 */
export class LineBuffer {
  private buffer: Buffer | null = null;
  private used = 0;
  private queued = 0;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  constructor(private readonly handle: Pick<FileHandle, 'write'>) {}

  /** Appends `text` and a newline. */
  addLine(text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8') + 1;
    if (this.buffer !== null && this.used + bytes > this.buffer.length) this.flush();
    this.buffer ??= takeIoBuffer();
    if (bytes > this.buffer.length) {
      this.queue(Buffer.from(`${text}\n`, 'utf8'), null); // longer than a buffer: written on its own
      return;
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
    this.buffer[this.used] = 10;
    this.used += 1;
  }

  /** Queues what has been added so far. */
  flush(): void {
    if (this.buffer === null || this.used === 0) return;
    const full = this.buffer;
    const bytes = full.subarray(0, this.used);
    this.buffer = null;
    this.used = 0;
    this.queue(bytes, full);
  }

  /** Resolves once at most one buffer waits to be written; throws the first write's error. */
  async room(): Promise<void> {
    if (this.queued > 1) await this.writing;
    if (this.failure !== null) throw this.failure;
  }

  /** Resolves once every queued write is done (their buffers back in the pool); throws the first write's error. */
  async drained(): Promise<void> {
    if (this.buffer !== null && this.used === 0) {
      giveIoBuffer(this.buffer);
      this.buffer = null;
    }
    await this.writing;
    if (this.failure !== null) throw this.failure;
  }

  private queue(bytes: Buffer, owner: Buffer | null): void {
    this.queued += 1;
    this.writing = this.writing.then(async () => {
      try {
        if (this.failure === null) await writeFully(this.handle, bytes);
      } catch (err) {
        this.failure ??= err;
      }
      this.queued -= 1;
      if (owner !== null) giveIoBuffer(owner);
    });
  }
}
