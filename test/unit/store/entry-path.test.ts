import { describe, expect, it } from 'vitest';
import { LinkAncestry, entryPathProblem } from '../../../src/store/entry-path';

describe('entryPathProblem', () => {
  it('accepts what a scan can record', () => {
    for (const p of ['CLIENT.V2$', 'My Documents/doc 1.pdf', '...', '.hidden/x', 'a..b/c.', 'ü/数据'])
      for (const platform of ['linux', 'win32'] as const) expect(entryPathProblem(p, platform), p).toBeNull();
    // A Linux name may hold these; a Windows one never does.
    expect(entryPathProblem('back\\slash', 'linux')).toBeNull();
    expect(entryPathProblem('a:b', 'linux')).toBeNull();
  });

  it('refuses what would lead outside the folder it is joined to', () => {
    const bad: [unknown, RegExp][] = [
      ['', /empty/],
      ['../x', /"\.\."/],
      ['a/../../x', /"\.\."/],
      ['a/..', /"\.\."/],
      ['./a', /"\."/],
      ['/etc/passwd', /starts or ends with "\/"/],
      ['a//b', /empty/],
      ['a/', /ends with/],
      ['a\0b', /NUL/],
      [null, /not a string/],
      [42, /not a string/],
    ];
    for (const [p, why] of bad)
      for (const platform of ['linux', 'win32'] as const) expect(entryPathProblem(p, platform), String(p)).toMatch(why);
    for (const p of ['..\\..\\Windows\\x.dll', 'C:/Windows/x.dll', 'CLIENT.V2$:stream', 'a\\b'])
      expect(entryPathProblem(p, 'win32'), p).toMatch(/"\\" or ":"/);
  });
});

describe('LinkAncestry', () => {
  it('names the link an entry lies below; siblings that only share a prefix are not below it', () => {
    const links = new LinkAncestry('linux');
    expect(links.below({ path: 'docs', type: 'symlink' })).toBeNull();
    expect(links.below({ path: 'docs-old/x', type: 'file' })).toBeNull();
    expect(links.below({ path: 'docs.txt', type: 'file' })).toBeNull();
    expect(links.below({ path: 'docs/x', type: 'file' })).toBe('docs');
    expect(links.below({ path: 'docs/sub/y', type: 'dir' })).toBe('docs');
    expect(links.below({ path: 'Docs/x', type: 'file' })).toBeNull(); // another name on Linux
  });

  it('compares without case on Windows, and sees links below folders', () => {
    const links = new LinkAncestry('win32');
    links.below({ path: 'a/Link', type: 'symlink' });
    expect(links.below({ path: 'A/link/evil.dll', type: 'file' })).toBe('A/link');
    expect(links.below({ path: 'a/Linked/x', type: 'file' })).toBeNull();
  });
});
