import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { createRenamedFilesFs } from '../../../src/fs/renamed';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-renamed-')));
afterEach(async () => cleanup());

describe('renamed-files FileSystem', () => {
  it('shows and reads a renamed file under its real name, in listings and through every read', async () => {
    const app = path.join(dir, 'AVImark');
    mkdirSync(app);
    const original = path.join(app, 'avimark.exe');
    const renamed = `${original}.avimark-backup-locked`;
    writeFileSync(renamed, 'exe');
    writeFileSync(path.join(app, 'CLIENT.V2$'), 'data');
    const fs = createRenamedFilesFs(localFs, [{ original, renamed }]);
    expect((await fs.readdir(app)).sort()).toEqual(['CLIENT.V2$', 'avimark.exe']);
    expect((await fs.readdir(app, { withFileTypes: true })).map((d) => d.name).sort()).toEqual([
      'CLIENT.V2$',
      'avimark.exe',
    ]);
    const names: string[] = [];
    for await (const d of await fs.opendir(app)) names.push(d.name);
    expect(names.sort()).toEqual(['CLIENT.V2$', 'avimark.exe']);
    expect(await fs.readFile(original, 'utf8')).toBe('exe');
    expect((await fs.lstat(original)).size).toBe(3);
    const h = await fs.open(original, 'r');
    expect((await h.readFile()).toString()).toBe('exe');
    await h.close();
    expect(readFileSync(path.join(app, 'CLIENT.V2$'), 'utf8')).toBe('data');
    expect('writeFile' in fs).toBe(false); // a source read only: nothing can be written through it
  });
  it('matches Windows names case-insensitively and is the inner FileSystem when nothing was renamed', async () => {
    expect(createRenamedFilesFs(localFs, [])).toBe(localFs);
    const asked: string[] = [];
    const recording = {
      ...localFs,
      readFile: (async (p: string) => {
        asked.push(p);
        return 'x';
      }) as typeof localFs.readFile,
    };
    const fs = createRenamedFilesFs(
      recording,
      [{ original: 'C:\\AVImark\\avimark.exe', renamed: 'C:\\AVImark\\avimark.exe.avimark-backup-locked' }],
      path.win32,
    );
    await fs.readFile('c:\\avimark\\AVIMARK.EXE', 'utf8');
    await fs.readFile('C:\\AVImark\\other.exe', 'utf8');
    expect(asked).toEqual(['C:\\AVImark\\avimark.exe.avimark-backup-locked', 'C:\\AVImark\\other.exe']);
  });
});
