import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFully } from '../../../src/fs/write-fully';
import { tempDir } from '../../helpers/cli';

describe('writeFully', () => {
  it('keeps writing after short counts until every byte is down, at the given position or appending', async () => {
    const { dir, cleanup } = await tempDir('avb-writefully-');
    try {
      const file = path.join(dir, 'f');
      const real = await open(file, 'w+');
      const calls: number[] = [];
      // At most 3 bytes per call, as write(2) on a nearly full disk may do.
      const shortHandle = {
        write: (buf: Uint8Array, offset: number, length: number, position: number | null) => {
          calls.push(length);
          return real.write(buf, offset, Math.min(3, length), position);
        },
      } as unknown as Parameters<typeof writeFully>[0];
      try {
        await writeFully(shortHandle, 'hello world');
        await writeFully(shortHandle, Buffer.from('XY'), 0);
      } finally {
        await real.close();
      }
      expect(readFileSync(file, 'utf8')).toBe('XYllo world');
      expect(calls.length).toBeGreaterThan(4);
    } finally {
      await cleanup();
    }
  });

  it('fails instead of spinning when a write makes no progress', async () => {
    const stuck = { write: async () => ({ bytesWritten: 0, buffer: Buffer.alloc(0) }) } as unknown as Parameters<
      typeof writeFully
    >[0];
    await expect(writeFully(stuck, 'abc')).rejects.toThrow(/no progress/);
  });
});
