import { describe, expect, it } from 'vitest';
import { readAhead } from '../../../src/engine/copy-buffers';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A file of `size` bytes (byte i is i % 251), read with a delay; logs when each read starts and ends. */
function slowFile(size: number, log: string[]) {
  const data = Buffer.from(Array.from({ length: size }, (_, i) => i % 251));
  let open = 0;
  const readAt = async (b: Buffer, at: number) => {
    open += 1;
    log.push(`read ${at} start`);
    await tick(5);
    const bytesRead = data.copy(b, 0, Math.min(at, size), Math.min(size, at + b.length));
    log.push(`read ${at} end`);
    open -= 1;
    return { bytesRead };
  };
  return { data, readAt, openReads: () => open };
}

describe('readAhead', () => {
  it('with two buffers, reads the next chunk while this one is used; from an offset to the end', async () => {
    const log: string[] = [];
    const file = slowFile(10, log);
    const seen: Buffer[] = [];
    const end = await readAhead(file.readAt, [Buffer.alloc(4), Buffer.alloc(4)], 2, async (chunk, at) => {
      log.push(`use ${at} start`);
      seen.push(Buffer.from(chunk));
      await tick(20);
      log.push(`use ${at} end`);
    });
    expect(end).toBe(10);
    expect(Buffer.concat(seen).equals(file.data.subarray(2))).toBe(true);
    expect(log.indexOf('read 6 start')).toBeLessThan(log.indexOf('use 2 end'));
  });

  it('with one buffer, reads only after the chunk was used', async () => {
    const log: string[] = [];
    const file = slowFile(6, log);
    const one = Buffer.alloc(4);
    await readAhead(file.readAt, [one, one], 0, async (_chunk, at) => {
      log.push(`use ${at} start`);
      await tick(10);
      log.push(`use ${at} end`);
    });
    expect(log.indexOf('read 4 start')).toBeGreaterThan(log.indexOf('use 0 end'));
  });

  it('when the use throws, the read under way has settled before readAhead throws', async () => {
    const log: string[] = [];
    const file = slowFile(12, log);
    const outcome = readAhead(file.readAt, [Buffer.alloc(4), Buffer.alloc(4)], 0, () => {
      throw new Error('write failed');
    });
    await expect(outcome).rejects.toThrow('write failed');
    expect(file.openReads()).toBe(0);
    expect(log).toContain('read 4 end');
  });

  it('stops with the abort reason before the next chunk', async () => {
    const file = slowFile(12, []);
    const stop = new AbortController();
    const used: number[] = [];
    const outcome = readAhead(
      file.readAt,
      [Buffer.alloc(4), Buffer.alloc(4)],
      0,
      (_chunk, at) => {
        used.push(at);
        stop.abort(new Error('stopped'));
      },
      stop.signal,
    );
    await expect(outcome).rejects.toThrow('stopped');
    expect(used).toEqual([0]);
    expect(file.openReads()).toBe(0);
  });
});
