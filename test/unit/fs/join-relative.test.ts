import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinRelative } from '../../../src/fs/join-relative';

const RELS = [
  '',
  'a',
  'a/b',
  'My Documents/doc 1.pdf',
  'a-c',
  'a.b/c..d/.e',
  '...',
  '.hidden/x',
  'x/./y',
  'x/../y',
  '../escape',
  'a/..',
  '.',
  '..',
  'a//b',
  '/abs',
  'trailing/',
  'back\\slash',
  'ünïcode/数据',
  'a:b',
  'C:',
  'C:/x',
];

describe('joinRelative', () => {
  for (const [name, api, dirs] of [
    [
      'posix',
      path.posix,
      ['/store/in-progress/2026-12-06_010000', '/', '/store/x/', '/store//x/./y/..', 'rel/dir', '', '.', './x', '..'],
    ],
    [
      'win32',
      path.win32,
      [
        'D:\\Backups\\snapshots\\2026-12-06_010000',
        'D:\\',
        '\\\\nas\\share\\b',
        'C:/AVImark',
        'C:\\AVImark\\',
        '\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3\\AVImark',
        'c:\\a\\..\\b',
        'D:',
        '.',
        'D:.',
      ],
    ],
  ] as const) {
    it(`gives what path.join gives (${name})`, () => {
      // Twice: the second pass meets each folder as the last one found clean.
      for (const dir of [...dirs, ...dirs])
        for (const rel of RELS)
          expect(joinRelative(dir, rel, api), `${dir} + ${rel}`).toBe(api.join(dir, ...rel.split('/')));
    });
  }

  it('remembers clean folders per platform, and past the number it keeps', () => {
    // A folder clean by one platform's rules is not clean by the other's ('/store/p' is not normalised on win32).
    for (const api of [path.posix, path.win32, path.posix])
      expect(joinRelative('/store/p', 'a/b', api)).toBe(api.join('/store/p', 'a', 'b'));
    // Three folders in turn, as a sweep joins them, among more folders than are remembered, some unclean.
    const folders = Array.from({ length: 150 }, (_, i) => (i % 7 === 3 ? `/src/d${i}/../e` : `/src/d${i}`));
    for (let round = 0; round < 2; round += 1)
      for (const dir of folders)
        for (const base of [dir, '/store/in-progress/p', '/store/snapshots/q'])
          expect(joinRelative(base, 'f.txt', path.posix), base).toBe(path.posix.join(base, 'f.txt'));
  });

  it('gives what path.join gives for random names (both platforms)', () => {
    const parts = ['a', 'B.c', '.', '..', '', '...', '\\', ':', ' ', 'x y', 'C:'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 2000; i += 1) {
      const segments = Array.from({ length: 1 + (next() % 4) }, () =>
        Array.from({ length: 1 + (next() % 2) }, () => parts[next() % parts.length]).join(''),
      );
      const rel = segments.join('/');
      expect(joinRelative('/store/p', rel, path.posix), rel).toBe(path.posix.join('/store/p', ...segments));
      expect(joinRelative('D:\\store\\p', rel, path.win32), rel).toBe(path.win32.join('D:\\store\\p', ...segments));
    }
  });
});
