import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-local-fs-')));
afterEach(async () => cleanup());

describe('localFs on a path of this computer', () => {
  it('makes lstat synchronously: the stat is taken before the caller goes on', async () => {
    const file = path.join(dir, 'a');
    writeFileSync(file, 'abc');
    const pending = localFs.lstat(file, { bigint: true });
    unlinkSync(file); // a request to the thread pool could run after this and fail with ENOENT
    expect((await pending).size).toBe(3n);
  });

  it('makes link synchronously: the link is made before the caller goes on', async () => {
    const file = path.join(dir, 'a');
    writeFileSync(file, 'abc');
    const pending = localFs.link(file, path.join(dir, 'b'));
    unlinkSync(file); // a request to the thread pool could run after this and fail with ENOENT
    await pending;
    expect(readFileSync(path.join(dir, 'b'), 'utf8')).toBe('abc');
  });

  it('still answers a failure as a rejected promise, with its code, never a throw', async () => {
    const missing = path.join(dir, 'missing');
    let pending: Promise<unknown> | null = null;
    expect(() => {
      pending = localFs.lstat(missing);
    }).not.toThrow();
    await expect(pending).rejects.toMatchObject({ code: 'ENOENT', syscall: 'lstat', path: missing });
    mkdirSync(path.join(dir, 'd'));
    writeFileSync(path.join(dir, 'd', 'x'), '');
    await expect(localFs.link(path.join(dir, 'd', 'x'), path.join(dir, 'd', 'x'))).rejects.toMatchObject({
      code: 'EEXIST',
    });
  });
});

describe.skipIf(process.platform === 'win32')('localFs on a path shaped like a network share', () => {
  it('goes through the thread pool and gives the same answers (POSIX reads //tmp as /tmp)', async () => {
    const file = path.join(dir, 'a');
    writeFileSync(file, 'abcd');
    const far = (p: string) => `/${p}`; // "//…": a UNC shape, so not near
    expect((await localFs.lstat(far(file))).size).toBe(4);
    await localFs.link(far(file), far(path.join(dir, 'b')));
    expect((await localFs.lstat(file)).nlink).toBe(2);
    await expect(localFs.lstat(far(path.join(dir, 'missing')))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
