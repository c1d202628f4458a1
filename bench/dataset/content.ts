import { closeSync, mkdirSync, openSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Random, deriveSeed } from './random';
import { RECORD_BYTES, recordBlock } from './records';

/** Bytes are produced in chunks of this size; every chunk of every file gets its own key. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * A stream holds records when its label (a file's relative path, then `@…` for a night's writes) names one of
 * AVImark's tables, logs or its database (`*.V2$`, `*.db$`); the rest (documents, pictures, programs) does not.
 */
export function holdsRecords(label: string): boolean {
  const at = label.indexOf('@');
  return /\.(v2|db)\$$/i.test(at < 0 ? label : label.slice(0, at));
}

/**
 * Cheap bytes: a 2 MiB seeded block, read from a per-chunk offset and XOR-ed with a per-chunk key. Tables,
 * logs and the database read a block of records (./records.ts), at a record boundary, and compress as such
 * tables do; everything else reads a random block and does not compress. Costs one 32-bit XOR per 4 bytes,
 * so the disk is the bottleneck.
 */
export class ContentSource {
  private readonly block: Uint32Array;
  private readonly records: Uint32Array;
  private readonly scratch = Buffer.alloc(CHUNK_BYTES);
  private readonly scratch32 = new Uint32Array(this.scratch.buffer, this.scratch.byteOffset, CHUNK_BYTES / 4);

  constructor(private readonly seed: number) {
    const rng = new Random(deriveSeed(seed, 'block'));
    this.block = new Uint32Array((2 * CHUNK_BYTES) / 4);
    for (let i = 0; i < this.block.length; i++) this.block[i] = rng.uint32();
    this.records = recordBlock(new Random(deriveSeed(seed, 'records')), 2 * CHUNK_BYTES);
  }

  /** The bytes of chunk `index` of the stream named `label`; `length` ≤ CHUNK_BYTES. Valid until the next call. */
  chunk(label: string, index: number, length: number): Buffer {
    const key = deriveSeed(this.seed, `${label}#${index}`);
    const records = holdsRecords(label);
    const block = records ? this.records : this.block;
    const offset = key & (CHUNK_BYTES / 4 - 1) & (records ? ~(RECORD_BYTES / 4 - 1) : ~0);
    const words = Math.ceil(length / 4);
    const out = this.scratch32;
    for (let i = 0; i < words; i++) out[i] = block[offset + i] ^ key;
    return this.scratch.subarray(0, length);
  }

  /** Writes `size` bytes of the stream `label` to `fd` at `position` (null = current position). */
  writeStream(fd: number, label: string, size: number, position: number | null): void {
    let written = 0;
    for (let index = 0; written < size; index++) {
      const length = Math.min(CHUNK_BYTES, size - written);
      const buf = this.chunk(label, index, length);
      let done = 0;
      while (done < length) {
        done += writeSync(fd, buf, done, length - done, position === null ? null : position + written + done);
      }
      written += length;
    }
  }

  /** Creates (or replaces) `file` with `size` bytes of stream `label`, or with `text`, and sets its mtime. */
  writeFile(file: string, label: string, size: number, mtimeMs: number, text?: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const fd = openSync(file, 'w');
    try {
      if (text !== undefined) writeSync(fd, text);
      else this.writeStream(fd, label, size, null);
    } finally {
      closeSync(fd);
    }
    setMtime(file, mtimeMs);
  }
}

export function setMtime(file: string, mtimeMs: number): void {
  const when = new Date(mtimeMs);
  utimesSync(file, when, when);
}
