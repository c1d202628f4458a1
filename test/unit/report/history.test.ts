import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { drillText, loadHistory, loadStatusSentence, verifyText } from '../../../src/report/history';
import { measureSpace } from '../../../src/report/space';
import { tempDir } from '../../helpers/cli';
import { AVIMARK_FILES, addFailedRun, makeStore } from '../../helpers/store';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

async function dest(): Promise<string> {
  const { dir, cleanup } = await tempDir('avb-history-');
  cleanups.push(cleanup);
  return path.join(dir, 'dest');
}

describe('loadHistory', () => {
  it('reads snapshots with their records, failed runs without a snapshot, and skips damaged record files', async () => {
    const d = await dest();
    await makeStore(d, [
      { id: '2026-11-24_021000', files: AVIMARK_FILES },
      { id: '2026-11-25_021000', files: { ...AVIMARK_FILES, 'CLIENT.V2$': 'changed' } },
    ]);
    await addFailedRun(d, { snapshotId: '2026-11-26_021000' });
    await writeFile(path.join(d, 'meta', '2026-11-24_021000', 'verify.json'), '{"torn');
    await writeFile(
      path.join(d, 'meta', '2026-11-25_021000', 'drill.json'),
      JSON.stringify({
        snapshotId: '2026-11-25_021000',
        drilledAt: '2026-11-25T05:00:00Z',
        ok: false,
        durationSeconds: 1,
        filesChecked: 6,
        problems: ['damaged: X'],
        command: null,
        commandExitCode: null,
      }),
    );
    // An unfinished snapshot folder without a manifest is not a snapshot.
    await mkdir(path.join(d, 'snapshots', '2026-11-27_021000'));

    const history = await loadHistory(d);
    expect(history.snapshots.map((s) => s.id)).toEqual(['2026-11-24_021000', '2026-11-25_021000']);
    expect(history.snapshots[0].verify).toBeNull();
    expect(history.snapshots[1].drill?.ok).toBe(false);
    expect(history.runs.map((r) => `${r.snapshotId} ${r.result}`)).toEqual([
      '2026-11-24_021000 success',
      '2026-11-25_021000 success',
      '2026-11-26_021000 failed',
    ]);

    expect(verifyText(history.snapshots[1].verify)).toBe('never');
    expect(drillText(history.snapshots[1].drill)).toMatch(/^FAILED \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });

  it("adds a last run that failed, known only from the state folder's last-run.json", async () => {
    const d = await dest();
    await makeStore(d, [{ id: '2026-11-24_021000', files: AVIMARK_FILES }]);
    const stateDir = path.join(path.dirname(d), 'state');
    await mkdir(stateDir);
    const last = {
      command: 'backup',
      result: 'failed',
      exitCode: 1,
      startedAt: '2026-11-25T02:10:00.000Z',
      endedAt: '2026-11-25T02:11:30.000Z',
      mode: null,
      snapshotId: null,
      offlineSeconds: null,
      message: 'lockout step "stop service AVImarkServer" failed: timed out',
      warnings: [],
    };
    await writeFile(path.join(stateDir, 'last-run.json'), JSON.stringify(last));
    const history = await loadHistory(d, { stateDir });
    expect(history.runs).toHaveLength(2);
    expect(history.runs[1]).toMatchObject({
      result: 'failed',
      mode: null,
      durationSeconds: 90,
      errors: [last.message],
    });
    expect(await loadStatusSentence(d, stateDir, new Date('2026-11-25T09:00:00Z'))).toMatch(
      /^The last backup FAILED .*: lockout step "stop service AVImarkServer" failed: timed out\. The last good backup is from /,
    );
    // A successful last run adds nothing: its run record is already in the store.
    await writeFile(path.join(stateDir, 'last-run.json'), JSON.stringify({ ...last, result: 'success' }));
    expect((await loadHistory(d, { stateDir })).runs).toHaveLength(1);
  });

  it('returns an empty history for an empty destination', async () => {
    const d = await dest();
    await mkdir(d, { recursive: true });
    expect(await loadHistory(d)).toEqual({ snapshots: [], runs: [] });
  });
});

describe('measureSpace', () => {
  it('counts each hard-linked file once for the space used, and every path for the apparent size', async () => {
    const d = await dest();
    await makeStore(d, [
      { id: '2026-11-24_021000', files: AVIMARK_FILES },
      { id: '2026-11-25_021000', files: { ...AVIMARK_FILES, 'CLIENT.V2$': 'changed!' } },
      { id: '2026-11-26_021000', files: { ...AVIMARK_FILES, 'CLIENT.V2$': 'changed!' } },
    ]);
    const all = Object.values(AVIMARK_FILES).reduce((n, c) => n + Buffer.byteLength(c), 0);
    const client = Buffer.byteLength(AVIMARK_FILES['CLIENT.V2$']);
    const space = await measureSpace(d);
    expect(space.files).toBe(18);
    expect(space.uniqueFiles).toBe(7);
    expect(space.apparentBytes).toBe(all + 2 * (all - client + 8));
    expect(space.storedBytes).toBe(all + 8);
    expect(space.volumeFreeBytes).toBeGreaterThan(0);
  });
});
