import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { removeIfExists, removeTree } from '../../../src/fs/remove';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-remove-')));
afterEach(async () => cleanup());

describe('removing', () => {
  it('removeTree removes a folder with contents, and is fine when it or a parent is gone or a file', async () => {
    mkdirSync(path.join(dir, 't', 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 't', 'sub', 'f'), 'x');
    writeFileSync(path.join(dir, 'file'), 'x');
    await removeTree(localFs, path.join(dir, 't'));
    expect(existsSync(path.join(dir, 't'))).toBe(false);
    await removeTree(localFs, path.join(dir, 't'));
    await removeTree(localFs, path.join(dir, 'file', 'below')); // ENOTDIR: already gone
    expect(existsSync(path.join(dir, 'file'))).toBe(true);
  });
  it('removeIfExists removes a file or a folder holding the name, and nothing there is fine', async () => {
    writeFileSync(path.join(dir, 'f'), 'x');
    mkdirSync(path.join(dir, 'd', 'sub'), { recursive: true });
    await removeIfExists(localFs, path.join(dir, 'f'));
    await removeIfExists(localFs, path.join(dir, 'd'));
    await removeIfExists(localFs, path.join(dir, 'missing'));
    expect(existsSync(path.join(dir, 'f'))).toBe(false);
    expect(existsSync(path.join(dir, 'd'))).toBe(false);
  });
});
