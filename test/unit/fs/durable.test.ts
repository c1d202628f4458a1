import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/fs/durable';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-durable-')));
afterEach(async () => cleanup());

describe('writeFileAtomic', () => {
  it('replaces a file whole, and creates its folder only when asked', async () => {
    const file = path.join(dir, 'f.json');
    await writeFileAtomic(localFs, file, 'old');
    await writeFileAtomic(localFs, file, new TextEncoder().encode('new'));
    expect(readFileSync(file, 'utf8')).toBe('new');
    const nested = path.join(dir, 'state', 'deeper', 'x.json');
    await expect(writeFileAtomic(localFs, nested, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    await writeFileAtomic(localFs, nested, 'x', { createDir: true });
    expect(readFileSync(nested, 'utf8')).toBe('x');
  });
  it('leaves the old file and no temp file when the rename fails', async () => {
    const file = path.join(dir, 'f.json');
    await writeFileAtomic(localFs, file, 'old');
    const failing: FileSystem = {
      ...localFs,
      rename: async () => {
        throw Object.assign(new Error('no room'), { code: 'ENOSPC' });
      },
    };
    await expect(writeFileAtomic(failing, file, 'new')).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f.json']);
  });
});
