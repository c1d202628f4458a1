import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyAndHash } from '../../../src/engine/restore-files';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { tempDir } from '../../helpers/cli';
import { hookHandle } from '../../helpers/handle';
import { pseudoRandom } from '../../helpers/tree';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-restore-files-')));
afterEach(async () => cleanup());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const times: [number, number] = [Date.parse('2021-01-01T00:00:00Z') / 1000, Date.parse('2021-02-03T04:05:06Z') / 1000];

/** localFs whose handles log when each read and write starts and ends (writes slower than reads). */
function loggingFs(log: string[]): FileSystem {
  const logged =
    (name: string, op: string, call: (...a: unknown[]) => Promise<unknown>, delayMs: number) =>
    async (...a: unknown[]) => {
      log.push(`${name} ${op} start`);
      await new Promise((r) => setTimeout(r, delayMs));
      const result = await call(...a);
      log.push(`${name} ${op} end`);
      return result;
    };
  const wrap = (handle: FileHandle, name: string): FileHandle =>
    Object.assign(handle, {
      read: logged(name, 'read', handle.read.bind(handle) as (...a: unknown[]) => Promise<unknown>, 2),
      write: logged(name, 'write', handle.write.bind(handle) as (...a: unknown[]) => Promise<unknown>, 5),
    });
  return {
    ...localFs,
    open: async (p: string, flags?: string | number) => wrap(await localFs.open(p, flags), path.basename(p)),
  } as FileSystem;
}

describe('copyAndHash', () => {
  it('copies a file of several buffers exactly, with its hash and times, the next read overlapping each write', async () => {
    const data = pseudoRandom((3 << 20) + 12_345, 7);
    writeFileSync(path.join(dir, 'src'), data);
    const log: string[] = [];
    const temp = path.join(dir, 'temp');
    const copied = await copyAndHash(loggingFs(log), path.join(dir, 'src'), temp, data.length, times, 0o444);
    await copied.unsynced.close();
    expect(copied.bytes).toBe(data.length);
    expect(copied.sha256).toBe(sha(data));
    expect(readFileSync(temp).equals(data)).toBe(true);
    expect(statSync(temp).mtime.toISOString()).toBe('2021-02-03T04:05:06.000Z');
    expect(statSync(temp).mode & 0o7777).toBe(0o444); // the mode given, through the handle (the copy stays open)
    // The second read of the source started before the first write had finished.
    const beforeFirstWriteEnded = log.slice(0, log.indexOf('temp write end'));
    expect(beforeFirstWriteEnded.filter((l) => l === 'src read start')).toHaveLength(2);
  });

  it('reads to the real end whatever the manifest gave as the size (a longer file shows in bytes)', async () => {
    const data = pseudoRandom(5000, 8);
    writeFileSync(path.join(dir, 'src'), data);
    const copied = await copyAndHash(localFs, path.join(dir, 'src'), path.join(dir, 'temp'), 100, times, 0o640);
    await copied.unsynced.close();
    expect(copied.bytes).toBe(5000);
    expect(copied.sha256).toBe(sha(data));
  });

  it("copies a file the manifest gives as under one buffer through synchronous calls, none through the handles' methods, to its real end", async () => {
    const data = pseudoRandom((1 << 20) + 70_000, 11); // longer than the manifest says: more than one buffer
    writeFileSync(path.join(dir, 'src'), data);
    const log: string[] = [];
    const temp = path.join(dir, 'temp');
    const copied = await copyAndHash(loggingFs(log), path.join(dir, 'src'), temp, 2000, times, 0o444);
    expect(statSync(temp).mode & 0o7777).toBe(0o444); // set before the copy is closed
    await copied.unsynced.close();
    expect(log).toEqual([]);
    expect(copied).toMatchObject({ bytes: data.length, sha256: sha(data) });
    expect(readFileSync(temp).equals(data)).toBe(true);
    expect(statSync(temp).mtime.toISOString()).toBe('2021-02-03T04:05:06.000Z');
  });

  it.skipIf(process.platform === 'win32')(
    'copies a small file from or to a network share (a UNC-shaped path) through the handles, not synchronously',
    async () => {
      const data = pseudoRandom(3000, 12);
      writeFileSync(path.join(dir, 'src'), data);
      const far = (p: string) => `/${p}`; // "//…": POSIX reads it as the same file, near-path as a share
      for (const [from, temp] of [
        [far(path.join(dir, 'src')), path.join(dir, 'temp1')],
        [path.join(dir, 'src'), far(path.join(dir, 'temp2'))],
      ]) {
        const log: string[] = [];
        const copied = await copyAndHash(loggingFs(log), from, temp, data.length, times, 0o444);
        await copied.unsynced.close();
        expect(log.filter((l) => l.endsWith('start')).length, temp).toBeGreaterThan(0);
        expect(copied).toMatchObject({ bytes: data.length, sha256: sha(data) });
        expect(readFileSync(temp).equals(data)).toBe(true);
      }
    },
  );

  it('copies an empty file', async () => {
    writeFileSync(path.join(dir, 'src'), '');
    const copied = await copyAndHash(localFs, path.join(dir, 'src'), path.join(dir, 'temp'), 0, times, 0o640);
    await copied.unsynced.close();
    expect(copied).toMatchObject({ bytes: 0, sha256: sha(Buffer.alloc(0)) });
  });

  // 3 MiB: streamed through the handles; 4,000 bytes: through their synchronous calls.
  it.each([3 << 20, 4000])(
    'a failed write (%i bytes) removes the temporary copy and closes both files',
    async (size) => {
      writeFileSync(path.join(dir, 'src'), pseudoRandom(size, 9));
      const closed: string[] = [];
      const failing = {
        ...localFs,
        open: async (p: string, flags?: string | number) => {
          const handle = await localFs.open(p, flags);
          const close = handle.close.bind(handle);
          handle.close = async () => {
            closed.push(path.basename(p));
            await close();
          };
          if (path.basename(p) !== 'temp') return handle;
          return hookHandle(handle, 'write', {
            before: () => {
              throw Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' });
            },
          });
        },
      } as FileSystem;
      await expect(
        copyAndHash(failing, path.join(dir, 'src'), path.join(dir, 'temp'), size, times, 0o640),
      ).rejects.toThrow('ENOSPC');
      expect(existsSync(path.join(dir, 'temp'))).toBe(false);
      expect(closed.sort()).toEqual(['src', 'temp']);
      expect(readdirSync(dir)).toEqual(['src']);
    },
  );
});
