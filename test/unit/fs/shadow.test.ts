import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { createShadowFs } from '../../../src/fs/shadow';
import { shadowPathOf } from '../../../src/fs/shadow-path';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-fsw-')));
afterEach(async () => cleanup());

describe('shadow FileSystem', () => {
  it('reads live paths from the shadow root, leaves other paths alone', async () => {
    mkdirSync(path.join(dir, 'shadow', 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'shadow', 'sub', 'a.txt'), 'from shadow');
    const live = path.join(dir, 'live');
    const fs = createShadowFs(localFs, live, path.join(dir, 'shadow'));
    expect(await fs.readFile(path.join(live, 'sub', 'a.txt'), 'utf8')).toBe('from shadow');
    expect((await fs.readdir(live)).sort()).toEqual(['sub']);
    writeFileSync(path.join(dir, 'other.txt'), 'other');
    expect(await fs.readFile(path.join(dir, 'other.txt'), 'utf8')).toBe('other');
    expect(
      shadowPathOf(
        'C:\\AVImark\\Sub\\X.V2$',
        'c:\\avimark',
        '\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3\\AVImark',
        path.win32,
      ),
    ).toBe('\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3\\AVImark\\Sub\\X.V2$');
    expect(shadowPathOf('C:\\AVImarkOld\\x', 'C:\\AVImark', 'S:\\', path.win32)).toBe('C:\\AVImarkOld\\x');
    expect(readFileSync(path.join(dir, 'shadow', 'sub', 'a.txt'), 'utf8')).toBe('from shadow');
  });
});
