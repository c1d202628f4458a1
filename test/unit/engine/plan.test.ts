import { describe, expect, it } from 'vitest';
import {
  choosePartial,
  decideAfterHash,
  decideAfterHashedRead,
  expectedEntryType,
  hashSettled,
  isExcluded,
  isUnwrittenCheckpoint,
  overrideMustCopy,
  planFile,
  planRemovals,
  resumeOffset,
} from '../../../src/engine/plan';
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

describe('planRemovals / isExcluded', () => {
  it('orders vanished paths deepest first', () => {
    expect(planRemovals(['a', 'a/b', 'a/b/c', 'z'])).toEqual(['a/b/c', 'a/b', 'z', 'a']);
  });
  it('excludes a path and everything below it, not mere prefixes of a name', () => {
    expect(isExcluded('Backup', ['Backup'], false)).toBe(true);
    expect(isExcluded('Backup/x.zip', ['Backup/'], false)).toBe(true);
    expect(isExcluded('Backups/x', ['Backup'], false)).toBe(false);
    expect(isExcluded('backup/x', ['Backup'], true)).toBe(true);
    expect(isExcluded('backup/x', ['Backup'], false)).toBe(false);
    expect(isExcluded('a\\b', ['a\\b'], false)).toBe(true);
  });
});

describe('decisions made while a file is open', () => {
  it('copies instead of linking a file whose link already failed in this run', () => {
    const link = { action: 'link' as const, from: entry() };
    expect(overrideMustCopy(link, true)).toEqual({ action: 'copy', reason: 'changed' });
    expect(overrideMustCopy(link, false)).toBe(link);
    expect(overrideMustCopy({ action: 'keep' }, true)).toEqual({ action: 'keep' });
  });
  it('trusts a --checksum hash only when the file stood still during the read and since the stat', () => {
    const st = { size: 100n, mtimeNs: 1700000000123456789n };
    expect(hashSettled(st, st, same.mtimeNs)).toBe(true);
    expect(hashSettled(st, { ...st, size: 101n }, same.mtimeNs)).toBe(false);
    expect(hashSettled(st, { ...st, mtimeNs: 1n }, same.mtimeNs)).toBe(false);
    expect(hashSettled(st, st, '1700000000123456788')).toBe(false);
    const p = entry();
    expect(decideAfterHashedRead(p, { sha256: 'aa', before: st, after: st }, same.mtimeNs)).toEqual({
      action: 'link',
      from: p,
    });
    expect(decideAfterHashedRead(p, { sha256: 'ab', before: st, after: st }, same.mtimeNs)).toEqual({
      action: 'copy',
      reason: 'changed',
    });
    expect(decideAfterHashedRead(p, { sha256: 'aa', before: st, after: { ...st, size: 7n } }, same.mtimeNs)).toEqual({
      action: 'copy',
      reason: 'changed',
    });
  });
  it('continues a copy only into our own single-link regular file', () => {
    expect(resumeOffset(2048, { isFile: true, nlink: 1 })).toBe(2048);
    expect(resumeOffset(2048, { isFile: true, nlink: 2 })).toBe(0);
    expect(resumeOffset(2048, { isFile: false, nlink: 1 })).toBe(0);
    expect(resumeOffset(2048, null)).toBe(0);
  });
});

describe('resuming a partial', () => {
  it('resumes the newest partial and leaves the older ones alone', () => {
    expect(choosePartial(['20260101-010000', '20260102-010000', '20260103-010000'])).toEqual({
      resume: '20260103-010000',
      leftAlone: ['20260101-010000', '20260102-010000'],
    });
    expect(choosePartial([])).toEqual({ resume: null, leftAlone: [] });
  });
  it('starts over only from a checkpoint that was never written, never on a real error', () => {
    expect(isUnwrittenCheckpoint(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toBe(true);
    expect(isUnwrittenCheckpoint(new SyntaxError('Unexpected end of JSON input'))).toBe(true);
    expect(isUnwrittenCheckpoint(Object.assign(new Error('io'), { code: 'EIO' }))).toBe(false);
    expect(isUnwrittenCheckpoint(new Error('other'))).toBe(false);
  });
  it('says what the checkpoint expects at a path (strays are whatever differs)', () => {
    expect(expectedEntryType(undefined)).toBeNull();
    expect(expectedEntryType({ how: 'dir', entry: entry({ type: 'dir' }) })).toBe('dir');
    expect(expectedEntryType({ how: 'symlink', entry: entry({ type: 'symlink' }) })).toBe('symlink');
    expect(expectedEntryType({ how: 'copy', entry: entry() })).toBe('file');
    expect(expectedEntryType({ how: 'link', entry: entry() })).toBe('file');
  });
});
