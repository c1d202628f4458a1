import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultyFs } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import { createShadowFs } from '../../../src/fs/shadow';
import { shadowPathOf } from '../../../src/fs/shadow-path';
import { describeFsError, isTransient, withRetry } from '../../../src/fs/retry';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-fsw-')));
afterEach(async () => cleanup());

describe('faulty FileSystem', () => {
  it('injects errno errors at a seeded rate, reproducibly, on calls and on handle reads', async () => {
    writeFileSync(path.join(dir, 'f'), 'data');
    const run = async () => {
      const faulty = createFaultyFs(localFs, { seed: 7, rules: [{ code: 'EBUSY', ops: ['lstat'], rate: 0.5 }] });
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i += 1)
        outcomes.push(
          await faulty.fs.lstat(path.join(dir, 'f')).then(
            () => 'ok',
            (e: NodeJS.ErrnoException) => e.code ?? '?',
          ),
        );
      return outcomes;
    };
    const a = await run();
    expect(a).toEqual(await run());
    expect(a).toContain('EBUSY');
    expect(a).toContain('ok');
    const persistent = createFaultyFs(localFs, { rules: [{ code: 'EIO', ops: ['handle.read'], path: '/f' }] });
    const h = await persistent.fs.open(path.join(dir, 'f'), 'r');
    await expect(h.read(Buffer.alloc(4), 0, 4, 0)).rejects.toMatchObject({ code: 'EIO', syscall: 'handle.read' });
    await h.close();
    expect(persistent.injected).toEqual([{ op: 'handle.read', path: path.join(dir, 'f'), code: 'EIO' }]);
    const limited = createFaultyFs(localFs, { rules: [{ code: 'ENOSPC', ops: ['writeFile'], times: 1 }] });
    await expect(limited.fs.writeFile(path.join(dir, 'g'), 'x')).rejects.toMatchObject({ code: 'ENOSPC' });
    await limited.fs.writeFile(path.join(dir, 'g'), 'x');
  });
});

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

describe('retry', () => {
  it('classifies errors and retries only transient ones', async () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(isTransient(err('EBUSY'))).toBe(true);
    expect(isTransient(err('ENOSPC'))).toBe(false);
    expect(isTransient(err('EPERM'), 'win32')).toBe(true);
    expect(isTransient(err('EPERM'), 'linux')).toBe(false);
    expect(describeFsError(err('ENOSPC'))).toMatch(/destination is full/);
    let n = 0;
    const policy = { retries: 5, retryMinTimeoutMs: 1, retryMaxTimeMs: 1000 };
    expect(await withRetry(async () => (++n < 3 ? Promise.reject(err('EBUSY')) : 'done'), policy)).toBe('done');
    expect(n).toBe(3);
    n = 0;
    await expect(withRetry(async () => (++n, Promise.reject(err('ENOSPC'))), policy)).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect(n).toBe(1);
    n = 0;
    await expect(
      withRetry(async () => (++n, Promise.reject(err('EIO'))), { ...policy, retries: 2 }),
    ).rejects.toMatchObject({ code: 'EIO' });
    expect(n).toBe(3);
  });
});
