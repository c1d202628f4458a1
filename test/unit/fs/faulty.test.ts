import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultyFs } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import { syncIo } from '../../../src/fs/sync-io';
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
    // The handle's synchronous calls (a small file's copy) meet the same rules.
    expect(() => syncIo(h).read(Buffer.alloc(4), 0, 4, 0)).toThrow(expect.objectContaining({ code: 'EIO' }));
    expect(Number(syncIo(h).stat().size)).toBe(statSync(path.join(dir, 'f')).size);
    await h.close();
    expect(persistent.injected).toEqual([
      { op: 'handle.read', path: path.join(dir, 'f'), code: 'EIO' },
      { op: 'handle.read', path: path.join(dir, 'f'), code: 'EIO' },
    ]);
    // A mode set through a handle (a restored copy's) meets the rules of chmod, as the path's and the synchronous call's.
    const modes = createFaultyFs(localFs, { rules: [{ code: 'EPERM', ops: ['chmod'], path: '/f' }] });
    const m = await modes.fs.open(path.join(dir, 'f'), 'r+');
    await expect(m.chmod(0o444)).rejects.toMatchObject({ code: 'EPERM', syscall: 'chmod' });
    expect(() => syncIo(m).chmod(0o444)).toThrow(expect.objectContaining({ code: 'EPERM' }));
    await m.close();
    expect(statSync(path.join(dir, 'f')).mode & 0o222).not.toBe(0);
    const limited = createFaultyFs(localFs, { rules: [{ code: 'ENOSPC', ops: ['writeFile'], times: 1 }] });
    await expect(limited.fs.writeFile(path.join(dir, 'g'), 'x')).rejects.toMatchObject({ code: 'ENOSPC' });
    await limited.fs.writeFile(path.join(dir, 'g'), 'x');
  });
});
