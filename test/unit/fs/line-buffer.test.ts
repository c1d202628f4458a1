import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineBuffer } from '../../../src/fs/line-buffer';
import { tempDir } from '../../helpers/cli';
import { seeded } from '../../helpers/random';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-line-buffer-')));
afterEach(async () => cleanup());

describe('LineBuffer', () => {
  it('writes what it was given, in order, across many buffers, multi-byte text and a piece longer than a buffer', async () => {
    const random = seeded(9);
    const pieces: string[] = [];
    for (let i = 0; i < 20_000; i += 1) pieces.push(`${i} ${'é€😀x'.repeat(random(40))}\n`);
    pieces.splice(7000, 0, `${'ü'.repeat(400_000)}\n`); // 800,000 bytes
    const file = path.join(dir, 'out.txt');
    const handle = await open(file, 'w');
    const lines = new LineBuffer(handle);
    for (const piece of pieces) lines.addLine(piece.slice(0, -1));
    lines.flush();
    await lines.drained();
    await handle.close();
    const written = await readFile(file, 'utf8');
    expect(written.length).toBe(pieces.join('').length);
    expect(written === pieces.join('')).toBe(true);
  });

  it('lets the caller go on while a write is under way, and writes nothing it was not asked to flush', async () => {
    const writes: string[] = [];
    let release: () => void = () => undefined;
    const handle = {
      write: async (buf: Uint8Array, offset = 0, length = buf.length) => {
        await new Promise<void>((resolve) => (release = resolve));
        writes.push(Buffer.from(buf.subarray(offset, offset + length)).toString('utf8'));
        return { bytesWritten: length, buffer: buf };
      },
    };
    const lines = new LineBuffer(handle as never);
    lines.addLine('a');
    lines.flush();
    lines.addLine('b'); // added while the first write waits
    await new Promise((r) => setTimeout(r, 5));
    expect(writes).toEqual([]);
    release();
    await new Promise((r) => setTimeout(r, 5));
    expect(writes).toEqual(['a\n']);
    lines.flush();
    await new Promise((r) => setTimeout(r, 5));
    release();
    await lines.drained();
    expect(writes).toEqual(['a\n', 'b\n']);
  });

  it('room() waits while more than one buffer is queued, and throws a failed write', async () => {
    let release: () => void = () => undefined;
    let fail = false;
    const handle = {
      write: async (buf: Uint8Array, offset = 0, length = buf.length) => {
        await new Promise<void>((resolve) => (release = resolve));
        if (fail) throw new Error('EIO: write failed');
        return { bytesWritten: length, buffer: buf };
      },
    };
    const lines = new LineBuffer(handle as never);
    lines.addLine('a');
    lines.flush();
    await lines.room(); // one buffer queued: room at once
    lines.addLine('b');
    lines.flush();
    let roomy = false;
    const waiting = lines.room().then(() => (roomy = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(roomy).toBe(false);
    release();
    await new Promise((r) => setTimeout(r, 5));
    release();
    await waiting;
    expect(roomy).toBe(true);
    fail = true;
    lines.addLine('c');
    lines.flush();
    lines.addLine('d');
    lines.flush();
    const failing = lines.room();
    await new Promise((r) => setTimeout(r, 5));
    release();
    await expect(failing).rejects.toThrow('EIO');
  });

  it('stops at the first failed write and throws it from drained()', async () => {
    let calls = 0;
    const handle = {
      write: async () => {
        calls += 1;
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
    };
    const lines = new LineBuffer(handle as never);
    lines.addLine('a');
    lines.flush();
    lines.addLine('b');
    lines.flush();
    await expect(lines.drained()).rejects.toThrow('no space left on device');
    expect(calls).toBe(1);
  });
});
