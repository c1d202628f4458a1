import { describe, expect, it } from 'vitest';
import { caseCollision, decideAfterHash, isExcluded, planFile, planRemovals } from '../../../src/engine/plan';
import type { ManifestEntry } from '../../../src/store/types';

const entry = (over: Partial<ManifestEntry> = {}): ManifestEntry => ({
  path: 'CLIENT.V2$',
  type: 'file',
  size: 100,
  mtimeNs: '1700000000123456789',
  sha256: 'aa',
  attributes: { mode: 0o644, readonly: false },
  ...over,
});
const base = { checksum: false, largeFileBytes: 1000 };
const same = { size: 100, mtimeNs: '1700000000123456789' };

describe('planFile', () => {
  it('links a file whose size and nanosecond mtime match the previous snapshot', () => {
    expect(planFile({ ...base, current: same, previous: entry() })).toEqual({ action: 'link', from: entry() });
  });
  it('copies when only the nanoseconds differ', () => {
    expect(planFile({ ...base, current: { ...same, mtimeNs: '1700000000123456788' }, previous: entry() })).toEqual({
      action: 'copy',
      reason: 'changed',
    });
  });
  it('copies when the size differs, and new files', () => {
    expect(planFile({ ...base, current: { ...same, size: 101 }, previous: entry() })).toEqual({
      action: 'copy',
      reason: 'changed',
    });
    expect(planFile({ ...base, current: same })).toEqual({ action: 'copy', reason: 'new' });
  });
  it('never links to a previous entry that is not a hashed file', () => {
    expect(planFile({ ...base, current: same, previous: entry({ type: 'symlink', sha256: null }) })).toEqual({
      action: 'copy',
      reason: 'new',
    });
  });
  it('keeps what this snapshot already holds when the source is unchanged since, and redoes it otherwise', () => {
    const done = { how: 'copy' as const, entry: entry({ sha256: 'bb' }) };
    expect(planFile({ ...base, current: same, done, previous: entry() })).toEqual({ action: 'keep' });
    expect(planFile({ ...base, current: { ...same, size: 5 }, done })).toEqual({ action: 'copy', reason: 'new' });
  });
  it('with checksum, hashes when sizes match (whatever the time), copies when they differ', () => {
    const p = entry();
    expect(planFile({ ...base, checksum: true, current: { ...same, mtimeNs: '1' }, previous: p })).toEqual({
      action: 'hash-then-decide',
      candidate: p,
    });
    expect(planFile({ ...base, checksum: true, current: { ...same, size: 1 }, previous: p })).toEqual({
      action: 'copy',
      reason: 'changed',
    });
    expect(decideAfterHash(p, 'aa')).toEqual({ action: 'link', from: p });
    expect(decideAfterHash(p, 'ab')).toEqual({ action: 'copy', reason: 'changed' });
  });
  it('resumes a large file only when the source still has the checkpointed size and time', () => {
    const big = { size: 5000, mtimeNs: '9' };
    expect(planFile({ ...base, current: big, partial: { offset: 2048, ...big } })).toEqual({
      action: 'resume',
      offset: 2048,
    });
    expect(planFile({ ...base, current: big, partial: { offset: 2048, size: 5000, mtimeNs: '8' } })).toEqual({
      action: 'copy',
      reason: 'new',
    });
    expect(
      planFile({ ...base, current: { size: 500, mtimeNs: '9' }, partial: { offset: 200, size: 500, mtimeNs: '9' } }),
    ).toEqual({ action: 'copy', reason: 'new' });
    // Unchanged since the previous snapshot wins over resuming: a link costs nothing.
    expect(planFile({ ...base, current: big, previous: entry(big), partial: { offset: 2048, ...big } }).action).toBe(
      'link',
    );
  });
});

describe('planRemovals / isExcluded / caseCollision', () => {
  it('lists vanished paths deepest first', () => {
    expect(planRemovals(['a', 'a/b', 'a/b/c', 'keep', 'z'], new Set(['keep']))).toEqual(['a/b/c', 'a/b', 'z', 'a']);
  });
  it('excludes a path and everything below it, not mere prefixes of a name', () => {
    expect(isExcluded('Backup', ['Backup'], false)).toBe(true);
    expect(isExcluded('Backup/x.zip', ['Backup/'], false)).toBe(true);
    expect(isExcluded('Backups/x', ['Backup'], false)).toBe(false);
    expect(isExcluded('backup/x', ['Backup'], true)).toBe(true);
    expect(isExcluded('backup/x', ['Backup'], false)).toBe(false);
    expect(isExcluded('a\\b', ['a\\b'], false)).toBe(true);
  });
  it('finds names that collide on a case-insensitive file system', () => {
    expect(caseCollision(['Oscar', 'x', 'OSCAR'])).toEqual(['Oscar', 'OSCAR']);
    expect(caseCollision(['a', 'b'])).toBeNull();
  });
});
