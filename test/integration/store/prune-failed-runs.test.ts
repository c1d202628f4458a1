import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHistory } from '../../../src/report/history';
import { pruneSnapshots } from '../../../src/store/prune';
import { listSnapshots } from '../../../src/store/snapshots';
import type { RunRecord } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';
import { buildStore, dailyIds } from '../../helpers/store';

/** Failed runs leave meta/<ID>/run.json without a snapshot: never listed, shown in the history, pruned when older than every kept snapshot. */

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-prune-failed-'));
});
afterEach(async () => cleanup());

async function failedRun(dest: string, id: string): Promise<void> {
  const record: RunRecord = {
    snapshotId: id,
    result: 'failed',
    startedAt: new Date().toISOString(),
    endedAt: new Date().toISOString(),
    durationSeconds: 3,
    mode: 'offline',
    source: 'C:\\AVImark',
    filesTotal: 0,
    filesCopied: 0,
    filesLinked: 0,
    bytesTotal: 0,
    bytesCopied: 0,
    offlineSeconds: 2,
    lockoutSteps: [],
    resumed: false,
    warnings: [],
    errors: ['the destination is full (ENOSPC)'],
  };
  await mkdir(path.join(dest, 'meta', id), { recursive: true });
  await writeFile(path.join(dest, 'meta', id, 'run.json'), JSON.stringify(record));
}

describe('failed-run records in the store', () => {
  it('are not snapshots, are in the history, and prune removes those older than the oldest kept snapshot', async () => {
    const dest = path.join(dir, 'dest');
    const ids = dailyIds('2026-11-17', 6);
    await buildStore(
      dest,
      ids.map((id) => ({ id, files: { 'CLIENT.V2$': `clients ${id}` } })),
    );
    // Failed runs: one on an old night, one between kept snapshots, one whose partial is still waiting to be resumed.
    const oldFail = `${ids[0].slice(0, 10)}_230000`;
    const recentFail = `${ids[4].slice(0, 10)}_230000`;
    const resumable = `${ids[1].slice(0, 10)}_230000`;
    for (const id of [oldFail, recentFail, resumable]) await failedRun(dest, id);
    await mkdir(path.join(dest, 'in-progress', resumable), { recursive: true });

    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual(ids);
    const history = await loadHistory(dest);
    expect(history.snapshots.map((s) => s.id)).toEqual(ids);
    expect(
      history.runs
        .filter((r) => r.result === 'failed')
        .map((r) => r.snapshotId)
        .sort(),
    ).toEqual([oldFail, recentFail, resumable].sort());

    const dry = await pruneSnapshots(
      dest,
      { keepLast: 3, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
      { dryRun: true },
    );
    expect(dry.failedRunRecords).toEqual([oldFail]);
    expect(await readdir(path.join(dest, 'meta'))).toContain(oldFail);

    const result = await pruneSnapshots(dest, { keepLast: 3, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 });
    expect(result.remove.map((d) => d.id).sort()).toEqual(ids.slice(0, 3));
    expect(result.failedRunRecords).toEqual([oldFail]);
    expect((await readdir(path.join(dest, 'meta'))).sort()).toEqual([resumable, ...ids.slice(3), recentFail].sort());
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual(ids.slice(3));
  });
});
