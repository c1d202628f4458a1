import { describe, expect, it } from 'vitest';
import { commitOrder, successRecord } from '../../../src/engine/commit';
import type { ManifestEntry } from '../../../src/store/types';

const e = (p: string, type: ManifestEntry['type'] = 'dir'): { entry: ManifestEntry } => ({
  entry: { path: p, type, size: 0, mtimeNs: '1', sha256: null, attributes: { mode: 0o755, readonly: false } },
});

describe('commit', () => {
  it('writes entries in path order and sets folder times deepest first', () => {
    const { entries, dirs } = commitOrder([e('b'), e('a/x/y'), e('a', 'dir'), e('a/f', 'file'), e('a/x')]);
    expect(entries.map((x) => x.path)).toEqual(['a', 'a/f', 'a/x', 'a/x/y', 'b']);
    expect(dirs.map((x) => x.path)).toEqual(['a/x/y', 'a/x', 'a', 'b']);
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
