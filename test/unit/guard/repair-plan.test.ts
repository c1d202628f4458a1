import { describe, expect, it } from 'vitest';
import { type DamagedFile, type StoredLink, planRepair } from '../../../src/guard/repair-plan';

const S1 = '2026-02-27_020000';
const S2 = '2026-02-28_020000';
const S3 = '2026-03-01_020000';
const S10 = '2026-03-01_020000_10';
const S2b = '2026-03-01_020000_2';
const H = 'a'.repeat(64);

const damaged = (over: Partial<DamagedFile>): DamagedFile => ({
  snapshotId: S1,
  path: 'ANIMAL.V2$',
  sha256: H,
  size: 392,
  key: '5:100',
  ...over,
});
const link = (snapshotId: string, p: string, key: string, sha256 = H): StoredLink => ({
  snapshotId,
  path: p,
  key,
  sha256,
});

describe('planRepair', () => {
  it('heals one damaged inode in every snapshot that links it, from the live source first', () => {
    const stored = [
      link(S1, 'ANIMAL.V2$', '5:100'),
      link(S2, 'ANIMAL.V2$', '5:100'),
      link(S3, 'ANIMAL.V2$', '5:100'),
      link(S3, 'CLIENT.V2$', '5:200', 'c'.repeat(64)),
    ];
    const plan = planRepair({ damaged: [damaged({})], stored, sourceHashes: new Map([['ANIMAL.V2$', H]]) });
    expect(plan.unrecoverable).toEqual([]);
    expect(plan.heal).toEqual([
      {
        key: '5:100',
        sha256: H,
        size: 392,
        targets: [
          { snapshotId: S1, path: 'ANIMAL.V2$' },
          { snapshotId: S2, path: 'ANIMAL.V2$' },
          { snapshotId: S3, path: 'ANIMAL.V2$' },
        ],
        sources: [{ kind: 'source', path: 'ANIMAL.V2$' }],
      },
    ]);
  });

  it('falls back to another snapshot holding the same content on a different, undamaged inode (newest first)', () => {
    const stored = [
      link(S1, 'ANIMAL.V2$', '5:100'),
      link(S2, 'ANIMAL.V2$', '5:150'), // copied fresh once (e.g. a failed link): same content, other inode
      link(S2b, 'ANIMAL.V2$', '5:150'),
      link(S10, 'Old/ANIMAL.V2$', '5:160'), // same content under another name
      link(S3, 'ANIMAL.V2$', '5:170'), // same content but itself known damaged
    ];
    const plan = planRepair({
      damaged: [damaged({})],
      stored,
      sourceHashes: new Map([['ANIMAL.V2$', 'f'.repeat(64)]]), // the live file changed since
      knownDamagedKeys: new Set(['5:170']),
    });
    expect(plan.heal).toHaveLength(1);
    expect(plan.heal[0].sources).toEqual([
      { kind: 'snapshot', snapshotId: S10, path: 'Old/ANIMAL.V2$', key: '5:160' },
      { kind: 'snapshot', snapshotId: S2b, path: 'ANIMAL.V2$', key: '5:150' },
    ]);
    // S3's copy is another inode (damaged on its own, not part of this repair): not a target
    expect(plan.heal[0].targets).toEqual([{ snapshotId: S1, path: 'ANIMAL.V2$' }]);
  });

  it('reports what no good copy exists for, and why', () => {
    const stored = [link(S1, 'ANIMAL.V2$', '5:100'), link(S2, 'ANIMAL.V2$', '5:100')];
    const changed = planRepair({
      damaged: [damaged({})],
      stored,
      sourceHashes: new Map([['ANIMAL.V2$', 'f'.repeat(64)]]),
    });
    expect(changed.heal).toEqual([]);
    expect(changed.unrecoverable).toHaveLength(1);
    expect(changed.unrecoverable[0].reason).toMatch(/live source file has changed/);
    expect(changed.unrecoverable[0].targets).toHaveLength(2);
    const gone = planRepair({ damaged: [damaged({})], stored, sourceHashes: new Map() });
    expect(gone.unrecoverable[0].reason).toMatch(/no longer in the source/);
  });

  it('groups damage by inode and heals a missing file at its own place only', () => {
    const stored = [link(S1, 'ANIMAL.V2$', '5:100'), link(S2, 'ANIMAL.V2$', '5:100'), link(S2, 'TREAT.V2$', '5:300')];
    const plan = planRepair({
      damaged: [
        damaged({ snapshotId: S2 }),
        damaged({}),
        damaged({ snapshotId: S1, path: 'TREAT.V2$', key: null, sha256: 't'.repeat(64) }),
      ],
      stored: [...stored, link(S2, 'TREAT.V2$', '5:300', 't'.repeat(64))],
      sourceHashes: new Map([['ANIMAL.V2$', H]]),
    });
    expect(plan.heal.map((g) => [g.key, g.targets.length])).toEqual([
      ['5:100', 2],
      [null, 1],
    ]);
    expect(plan.heal[1].sources).toEqual([{ kind: 'snapshot', snapshotId: S2, path: 'TREAT.V2$', key: '5:300' }]);
  });
});
