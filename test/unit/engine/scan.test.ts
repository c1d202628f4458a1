import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeName, scanTree } from '../../../src/engine/scan';
import { comparePaths } from '../../../src/store/manifest';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { errnoError } from '../../../src/fs/faulty';
import { tempDir } from '../../helpers/cli';
import { seeded } from '../../helpers/random';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-scan-')));
afterEach(async () => cleanup());

async function collect(fs: FileSystem, root: string, exclude: string[] = []): Promise<string[]> {
  const out: string[] = [];
  for await (const e of scanTree(fs, root, { exclude })) out.push(`${e.type}:${e.rel}`);
  return out;
}

describe('scanTree', () => {
  it('walks depth-first in sorted order, folders before their contents, links not followed', async () => {
    mkdirSync(path.join(dir, 'b/inner'), { recursive: true });
    mkdirSync(path.join(dir, 'target'), { recursive: true });
    writeFileSync(path.join(dir, 'b/inner/x'), 'x');
    writeFileSync(path.join(dir, 'a'), 'a');
    writeFileSync(path.join(dir, 'target/t'), 't');
    symlinkSync(path.join(dir, 'target'), path.join(dir, 'c-link'));
    expect(await collect(localFs, dir)).toEqual([
      'file:a',
      'dir:b',
      'dir:b/inner',
      'file:b/inner/x',
      'symlink:c-link',
      'dir:target',
      'file:target/t',
    ]);
    expect(await collect(localFs, dir, ['b', 'target/t'])).toEqual(['file:a', 'symlink:c-link', 'dir:target']);
  });

  it('skips entries deleted while the walk runs', async () => {
    mkdirSync(path.join(dir, 'gone-dir'));
    writeFileSync(path.join(dir, 'gone-file'), 'x');
    writeFileSync(path.join(dir, 'stays'), 'x');
    const vanishing: FileSystem = {
      ...localFs,
      lstat: (async (p: string, o?: object) => {
        if (p.endsWith('gone-file')) throw errnoError('ENOENT', 'lstat', p);
        return localFs.lstat(p, o as { bigint: true });
      }) as FileSystem['lstat'],
      opendir: (async (p: string, o?: object) => {
        if (p.endsWith('gone-dir')) throw errnoError('ENOENT', 'opendir', p);
        return localFs.opendir(p, o);
      }) as FileSystem['opendir'],
    };
    expect(await collect(vanishing, dir)).toEqual(['dir:gone-dir', 'file:stays']);
    await expect(collect(vanishing, path.join(dir, 'gone-dir'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe("scanTree order: the manifest's path order", () => {
  it('yields a folder\'s contents after the siblings that sort before "folder/"', async () => {
    mkdirSync(path.join(dir, 'a/x'), { recursive: true });
    writeFileSync(path.join(dir, 'a/x/1'), '1');
    writeFileSync(path.join(dir, 'a/x-y'), 'x');
    for (const name of ['a-c', 'a.b', 'a b', 'a0', 'ab']) writeFileSync(path.join(dir, name), name);
    mkdirSync(path.join(dir, 'a-'));
    writeFileSync(path.join(dir, 'a-/z'), 'z');
    expect(await collect(localFs, dir)).toEqual([
      'dir:a',
      'file:a b',
      'dir:a-',
      'file:a-/z',
      'file:a-c',
      'file:a.b',
      'dir:a/x',
      'file:a/x-y',
      'file:a/x/1',
      'file:a0',
      'file:ab',
    ]);
  });

  it('equals a sort of the full paths for random trees (an independent oracle), folders before their contents', async () => {
    const alphabet = ['a', 'b', '-', '.', ' ', '0', 'A', '\u00e9', '!', '~'];
    const random = seeded(17); // the same tree on every run
    const randomName = () =>
      Array.from({ length: 1 + random(3) }, () => alphabet[random(alphabet.length)])
        .join('')
        .replace(/^[. ]+|[. ]+$/g, 'n');
    const make = (folder: string, depth: number) => {
      for (let i = 0; i < 6; i += 1) {
        const name = randomName();
        const at = path.join(folder, name);
        try {
          if (depth < 3 && random(2) === 0) {
            mkdirSync(at);
            make(at, depth + 1);
          } else writeFileSync(at, name);
        } catch {
          // the name is taken already (as a folder or a file): another one follows
        }
      }
    };
    make(dir, 0);
    const rels: string[] = [];
    for await (const e of scanTree(localFs, dir)) rels.push(e.rel);
    expect(rels.length).toBeGreaterThan(20);
    expect(rels).toEqual([...rels].sort(comparePaths));
    for (const rel of rels) {
      const parent = rel.split('/').slice(0, -1).join('/');
      if (parent !== '') expect(rels.indexOf(parent)).toBeLessThan(rels.indexOf(rel));
    }
  });
});

describe('scanTree listing retry', () => {
  it('retries a folder listing that fails transiently while being read, and lists it whole', async () => {
    writeFileSync(path.join(dir, 'a'), 'a');
    writeFileSync(path.join(dir, 'b'), 'b');
    let failures = 1;
    const flaky: FileSystem = {
      ...localFs,
      opendir: (async (p: string, o?: { bufferSize?: number }) => {
        const d = await localFs.opendir(p, o);
        if (failures === 0) return d;
        failures -= 1;
        return {
          async *[Symbol.asyncIterator]() {
            await d.close();
            throw errnoError('EIO', 'readdir', p);
          },
        };
      }) as unknown as FileSystem['opendir'],
    };
    const out: string[] = [];
    const policy = { retries: 2, retryMinTimeoutMs: 1, retryMaxTimeMs: 1000 };
    for await (const e of scanTree(flaky, dir, { retry: { policy } })) out.push(e.rel);
    expect(out).toEqual(['a', 'b']);
    expect(failures).toBe(0);
  });
});

describe.runIf(process.platform === 'linux')('scanTree: names that are not valid UTF-8', () => {
  it('reports them as special entries naming their bytes, beside the readable names', async () => {
    mkdirSync(path.join(dir, 'docs'));
    writeFileSync(path.join(dir, 'docs', 'ok.txt'), 'ok');
    writeFileSync(
      Buffer.concat([Buffer.from(path.join(dir, 'docs', 'caf')), Buffer.from([0xe9]), Buffer.from('.txt')]),
      'x',
    );
    const out: string[] = [];
    for await (const e of scanTree(localFs, dir))
      out.push(`${e.type}:${e.rel}${e.type === 'special' ? ` (${e.why})` : ''}`);
    expect(out).toEqual(['dir:docs', 'special:docs/caf\\xE9.txt (its name is not valid UTF-8)', 'file:docs/ok.txt']);
  });
});

describe('escapeName', () => {
  it('keeps valid UTF-8 and shows every other byte as \\xNN', () => {
    expect(escapeName(Buffer.from('café €.txt'))).toBe('café €.txt');
    expect(escapeName(Buffer.from([0x61, 0xe9, 0x62]))).toBe('a\\xE9b');
    expect(escapeName(Buffer.from([0xc3]))).toBe('\\xC3');
    expect(escapeName(Buffer.from([0xff, 0xfe, 0x41]))).toBe('\\xFF\\xFEA');
  });
});
