import { describe, expect, it } from 'vitest';
import { IO_BUFFER_BYTES, giveIoBuffer, takeIoBuffer } from '../../../src/fs/buffer-pool';

describe('the pool of I/O buffers', () => {
  it('hands a buffer given back to the next taker, and never the same buffer to two takers', () => {
    const a = takeIoBuffer();
    const b = takeIoBuffer();
    expect(a.length).toBe(IO_BUFFER_BYTES);
    expect(a).not.toBe(b);
    giveIoBuffer(a);
    giveIoBuffer(a); // given twice by mistake: still kept once
    const c = takeIoBuffer();
    const d = takeIoBuffer();
    expect(c).toBe(a);
    expect(d).not.toBe(a);
    expect(d).not.toBe(b);
    for (const buf of [b, c, d]) giveIoBuffer(buf);
  });

  it('keeps no buffer of another size or a view into one, and at most 16', () => {
    giveIoBuffer(Buffer.allocUnsafe(2 * IO_BUFFER_BYTES));
    const view = Buffer.allocUnsafe(2 * IO_BUFFER_BYTES).subarray(IO_BUFFER_BYTES);
    giveIoBuffer(view);
    const taken = Array.from({ length: 20 }, () => takeIoBuffer());
    expect(taken.every((buf) => buf.length === IO_BUFFER_BYTES && buf !== view)).toBe(true);
    for (const buf of taken) giveIoBuffer(buf);
    const again = Array.from({ length: 20 }, () => takeIoBuffer());
    expect(again.filter((buf) => taken.includes(buf))).toHaveLength(16);
    for (const buf of again) giveIoBuffer(buf);
  });
});
