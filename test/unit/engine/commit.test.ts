import { describe, expect, it } from 'vitest';
import { deepestFirst, successRecord } from '../../../src/engine/commit';
import type { ManifestEntry } from '../../../src/store/types';

const e = (p: string): ManifestEntry => ({
  path: p,
  type: 'dir',
  size: 0,
  mtimeNs: '1',
  sha256: null,
  attributes: { mode: 0o755, readonly: false },
});

describe('commit', () => {
  it('sets folder times deepest first', () => {
    const dirs = [e('a'), e('a/x'), e('a/x/y'), e('b')];
    expect(deepestFirst(dirs).map((x) => x.path)).toEqual(['a/x/y', 'a/x', 'a', 'b']);
    expect(dirs.map((x) => x.path)).toEqual(['a', 'a/x', 'a/x/y', 'b']); // the list itself untouched
  });
  it('records the whole run, this run’s bytes and every warning', () => {
    const record = successRecord({
      id: '20260101-010000',
      source: '/src',
      extras: { mode: 'offline', offlineSeconds: 12, lockoutSteps: [], warnings: ['from the cycle'] },
      startedAt: new Date(Date.UTC(2026, 0, 1, 1, 0, 0)),
      endedAt: new Date(Date.UTC(2026, 0, 1, 1, 0, 30)),
      counts: { filesTotal: 3, bytesTotal: 30, filesLinked: 2, filesCopied: 1 },
      bytesCopiedThisRun: 10,
      resumed: true,
      warnings: ['from the engine'],
    });
    expect(record).toMatchObject({
      snapshotId: '20260101-010000',
      result: 'success',
      durationSeconds: 30,
      filesTotal: 3,
      filesCopied: 1,
      filesLinked: 2,
      bytesTotal: 30,
      bytesCopied: 10,
      offlineSeconds: 12,
      resumed: true,
      warnings: ['from the engine', 'from the cycle'],
      errors: [],
    });
  });
});
