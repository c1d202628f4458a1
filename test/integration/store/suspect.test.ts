import { mkdir, readFile, readlink, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/errors';
import { localFs } from '../../../src/fs/local';
import { acceptedMarkPath, suspectMarkPath } from '../../../src/store/layout';
import { checkOneSourcePerStore, sameSourcePath, storeSource } from '../../../src/store/one-source';
import { finishCommit } from '../../../src/store/partials';
import { deleteSuspectSnapshot, pruneSnapshots } from '../../../src/store/prune';
import { listSnapshots, listTrustedSnapshots, resolveSnapshotId } from '../../../src/store/snapshots';
import {
  PruneHeldError,
  acceptSuspect,
  listSuspectSnapshots,
  readSuspectMark,
  suspectMark,
  writeSuspectMark,
} from '../../../src/store/suspect';
import { silentLogger } from '../../../src/log/logger';
import { tempDir } from '../../helpers/cli';
import { buildStore } from '../../helpers/store';

let dest: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  const t = await tempDir('avb-suspect-');
  dest = path.join(t.dir, 'dest');
  cleanup = t.cleanup;
  await buildStore(dest, [
    { id: '2026-11-01_020000', files: { 'A.V2$': 'one' } },
    { id: '2026-11-02_020000', files: { 'A.V2$': 'two' } },
    { id: '2026-11-03_020000', files: { 'A.V2$': 'three' } },
  ]);
  await symlink(path.join('snapshots', '2026-11-02_020000'), path.join(dest, 'latest'));
});
afterEach(async () => cleanup());

const everyOne = { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 };
const mark = (id: string) =>
  writeSuspectMark(
    localFs,
    dest,
    suspectMark(id, ['30 of 40 files changed content but kept their size'], { n: 30 }, new Date()),
  );
const latest = async () => path.basename(await readlink(path.join(dest, 'latest')));

describe('suspect snapshots in the store', () => {
  it('are listed, skipped by "latest" and by the commit that would move it', async () => {
    await mark('2026-11-03_020000');
    expect(await listSuspectSnapshots(dest)).toEqual(['2026-11-03_020000']);
    expect((await listTrustedSnapshots(dest)).map((s) => s.id)).toEqual(['2026-11-01_020000', '2026-11-02_020000']);
    expect((await listSnapshots(dest)).map((s) => s.id)).toHaveLength(3);
    expect((await resolveSnapshotId(dest, 'latest')).id).toBe('2026-11-02_020000');
    expect((await resolveSnapshotId(dest, '2026-11-03_020000')).id).toBe('2026-11-03_020000');
    await mkdir(path.join(dest, 'in-progress'), { recursive: true });
    await finishCommit(localFs, dest, '2026-11-03_020000', silentLogger());
    expect(await latest()).toBe('2026-11-02_020000');
    expect((await readSuspectMark(localFs, dest, '2026-11-03_020000'))?.reasons[0]).toMatch(/kept their size/);
  });

  it('hold every prune (dry run too) until accepted; accept moves latest and keeps the record', async () => {
    await mark('2026-11-03_020000');
    for (const dryRun of [true, false]) {
      const err = await pruneSnapshots(dest, everyOne, { dryRun }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PruneHeldError);
      expect((err as PruneHeldError).exitCode).toBe(ExitCode.Suspect);
      expect((err as Error).message).toMatch(/pruning is held: snapshot 2026-11-03_020000 is marked suspect/);
    }
    expect(await listSnapshots(dest)).toHaveLength(3);

    const accepted = await acceptSuspect(dest, '2026-11-03_020000');
    expect(accepted).toEqual({ latest: '2026-11-03_020000', stillSuspect: [] });
    expect(await latest()).toBe('2026-11-03_020000');
    expect(await readSuspectMark(localFs, dest, '2026-11-03_020000')).toBeNull();
    const record = JSON.parse(await readFile(acceptedMarkPath(dest, '2026-11-03_020000'), 'utf8'));
    expect(record.reasons[0]).toMatch(/kept their size/);
    await expect(acceptSuspect(dest, '2026-11-03_020000')).rejects.toThrow(/not marked suspect/);

    const pruned = await pruneSnapshots(dest, everyOne);
    expect(pruned.remove.map((r) => r.id).sort()).toEqual(['2026-11-01_020000', '2026-11-02_020000']);
  });

  it('accepting an older suspect snapshot does not move latest past a newer trusted one', async () => {
    await mark('2026-11-02_020000');
    const accepted = await acceptSuspect(dest, '2026-11-02_020000');
    expect(accepted.latest).toBe('2026-11-03_020000');
    expect(await latest()).toBe('2026-11-03_020000');
  });

  it('prune --id deletes only a suspect snapshot, with its mark', async () => {
    await mark('2026-11-03_020000');
    await expect(deleteSuspectSnapshot(dest, '2026-11-02_020000')).rejects.toThrow(UsageError);
    const dry = await deleteSuspectSnapshot(dest, '2026-11-03_020000', { dryRun: true });
    expect(dry.removed).toBe('2026-11-03_020000');
    expect(await listSnapshots(dest)).toHaveLength(3);
    const done = await deleteSuspectSnapshot(dest, '2026-11-03_020000');
    expect(done).toEqual({ removed: '2026-11-03_020000', latest: '2026-11-02_020000' });
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual(['2026-11-01_020000', '2026-11-02_020000']);
    await expect(readFile(suspectMarkPath(dest, '2026-11-03_020000'))).rejects.toThrow(/ENOENT/);
    expect((await pruneSnapshots(dest, everyOne)).remove.map((r) => r.id)).toEqual(['2026-11-01_020000']);
  });
});

describe('one source per store', () => {
  it('refuses another source naming both, allows the same one and --force', async () => {
    const recorded = await storeSource(dest);
    expect(recorded).toBe('/live/AVImark');
    expect(await checkOneSourcePerStore(dest, '/live/AVImark/')).toBeNull();
    const err = await checkOneSourcePerStore(dest, '/other/AVImark').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain('/live/AVImark');
    expect((err as Error).message).toContain('/other/AVImark');
    expect(await checkOneSourcePerStore(dest, '/other/AVImark', { force: true })).toMatch(/--force/);
    expect(await checkOneSourcePerStore(path.join(dest, 'nothing-here'), '/other')).toBeNull();
  });

  it('compares Windows paths case-insensitively', () => {
    expect(sameSourcePath('C:\\AVImark', 'c:\\avimark', 'win32')).toBe(true);
    expect(sameSourcePath('/srv/AVImark', '/srv/avimark', 'linux')).toBe(false);
  });
});
