import type { FileHandle } from 'node:fs/promises';
import { giveIoBuffer, takeIoBuffer } from './buffer-pool';
import { writeFully } from './write-fully';

/**
 * Text written to a file in the order given, one write per full buffer, while the caller goes on (the
 * writes are queued one after another). Each piece is encoded into a pooled buffer as it comes, so its
 * string dies young: text gathered as strings until a write would live through several of V8's young
 * collections and be promoted, hundreds of KiB at a time (tens of MiB over a sync of 100,000 files).
 * The first write that fails stops the ones after it; `drained()` throws it.
 */
export class LineBuffer {
  private buffer: Buffer | null = null;
  private used = 0;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  constructor(private readonly handle: Pick<FileHandle, 'write'>) {}

  /** Appends `text` (lines carry their own '\n'). */
  add(text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.buffer !== null && this.used + bytes > this.buffer.length) this.flush();
    this.buffer ??= takeIoBuffer();
    if (bytes > this.buffer.length) {
      this.queue(Buffer.from(text, 'utf8'), null); // longer than a buffer: written on its own
      return;
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
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
    this.writing = this.writing.then(async () => {
      try {
        if (this.failure === null) await writeFully(this.handle, bytes);
      } catch (err) {
        this.failure ??= err;
      }
      if (owner !== null) giveIoBuffer(owner);
    });
  }
}
