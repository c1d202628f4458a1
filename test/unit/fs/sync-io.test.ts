import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYNC_IO, type SyncIo, readToEndSync, syncIo, writeFullySync } from '../../../src/fs/sync-io';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-syncio-')));
afterEach(async () => cleanup());

describe('syncIo', () => {
  it("makes the handle's calls synchronously on its descriptor: read, write, stat, times, mode, length", async () => {
    const file = path.join(dir, 'f');
    writeFileSync(file, 'hello world');
    const handle = await open(file, 'r+');
    try {
      const io = syncIo(handle);
      const buf = Buffer.alloc(16);
      expect(io.read(buf, 0, 5, 6)).toBe(5);
      expect(buf.subarray(0, 5).toString()).toBe('world');
      expect(io.read(buf, 0, 5, 11)).toBe(0); // the end
      expect(io.write(Buffer.from('J'), 0, 1, 0)).toBe(1);
      io.truncate(5);
      io.utimes(1_600_000_000.5, 1_600_000_000.5);
      io.chmod(0o444);
      const st = io.stat();
      expect(typeof st.size).toBe('bigint');
      expect(st.size).toBe(5n);
      expect(st.mtimeNs).toBe(statSync(file, { bigint: true }).mtimeNs);
      expect(statSync(file).mtimeMs).toBe(1_600_000_000_500);
      expect(statSync(file).mode & 0o777).toBe(0o444);
    } finally {
      await handle.close();
    }
    expect(readFileSync(file, 'utf8')).toBe('Jello');
  });

  it("a wrapper's own calls, under SYNC_IO, come first", async () => {
    const handle = await open(path.join(dir, 'g'), 'w');
    try {
      const own = { read: () => 42 } as unknown as SyncIo;
      const wrapped = new Proxy(handle, { get: (t, p, r) => (p === SYNC_IO ? own : Reflect.get(t, p, r)) });
      expect(syncIo(wrapped)).toBe(own);
    } finally {
      await handle.close();
    }
  });
});

describe('writeFullySync', () => {
  it('keeps writing after short counts until every byte is down, and fails when a write makes no progress', () => {
    const got = Buffer.alloc(11);
    const calls: number[] = [];
    // At most 3 bytes per call, as write(2) on a nearly full disk may do.
    const short = {
      write: (buf: Buffer, offset: number, length: number, position: number) => {
        const n = Math.min(3, length);
        buf.copy(got, position - 100, offset, offset + n);
        calls.push(n);
        return n;
      },
    } as unknown as SyncIo;
    writeFullySync(short, Buffer.from('hello world'), 100);
    expect(got.toString()).toBe('hello world');
    expect(calls).toEqual([3, 3, 3, 2]);
    const stuck = { write: () => 0 } as unknown as SyncIo;
    expect(() => writeFullySync(stuck, Buffer.from('abc'), 0)).toThrow(
      /write made no progress \(0 of 3 bytes written\)/,
    );
  });
});

describe('readToEndSync', () => {
  it('reads to the real end a buffer at a time, each chunk with its position, and stops when aborted', async () => {
    const file = path.join(dir, 'f');
    writeFileSync(file, 'abcdefghij');
    const handle = await open(file, 'r');
    try {
      const chunks: string[] = [];
      const n = readToEndSync(syncIo(handle), Buffer.alloc(4), (chunk, at) => chunks.push(`${at}:${chunk}`));
      expect(n).toBe(10);
      expect(chunks).toEqual(['0:abcd', '4:efgh', '8:ij']);
      const stop = new AbortController();
      stop.abort(new Error('stopped'));
      expect(() => readToEndSync(syncIo(handle), Buffer.alloc(4), () => undefined, stop.signal)).toThrow('stopped');
    } finally {
      await handle.close();
    }
  });
});
