import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { exists, readFileIfExists, readdirOrEmpty } from '../../../src/fs/read';
import type { FileSystem } from '../../../src/fs/types';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-read-')));
afterEach(async () => cleanup());

const failing = (code: string): FileSystem => {
  const fail = async () => {
    throw Object.assign(new Error(code), { code });
  };
  return {
    ...localFs,
    lstat: fail as FileSystem['lstat'],
    readFile: fail as FileSystem['readFile'],
    readdir: fail as FileSystem['readdir'],
  };
};

describe('reads that treat "not there" as an answer', () => {
  it('answers for missing paths and lets every other error through', async () => {
    writeFileSync(path.join(dir, 'f'), 'text');
    mkdirSync(path.join(dir, 'd'));
    expect(await exists(localFs, path.join(dir, 'f'))).toBe(true);
    expect(await exists(localFs, path.join(dir, 'nope'))).toBe(false);
    expect(await readFileIfExists(localFs, path.join(dir, 'f'))).toBe('text');
    expect(await readFileIfExists(localFs, path.join(dir, 'nope'))).toBeNull();
    expect(await readdirOrEmpty(localFs, dir)).toEqual(expect.arrayContaining(['f', 'd']));
    expect(await readdirOrEmpty(localFs, path.join(dir, 'nope'))).toEqual([]);
    const eio = failing('EIO');
    await expect(exists(eio, dir)).rejects.toMatchObject({ code: 'EIO' });
    await expect(readFileIfExists(eio, dir)).rejects.toMatchObject({ code: 'EIO' });
    await expect(readdirOrEmpty(eio, dir)).rejects.toMatchObject({ code: 'EIO' });
  });
});
