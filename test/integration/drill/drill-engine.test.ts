import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RestoreInto, drillRestore, runDrill } from '../../../src/drill/drill';
import { RunFailedError, UsageError } from '../../../src/errors';
import { localFs } from '../../../src/fs/local';
import { resolveSnapshotId } from '../../../src/store/snapshots';
import type { DrillRecord } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';
import { AVIMARK_FILES, fingerprint, makeStore } from '../../helpers/store';

const ID = '2026-11-25_021400';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

const restoreInto = (dest: string) => drillRestore(dest, ['/live/AVImark']);

async function setup(): Promise<{ dir: string; dest: string }> {
  const { dir, cleanup } = await tempDir('avb-drill-engine-');
  cleanups.push(cleanup);
  const dest = path.join(dir, 'dest');
  await makeStore(dest, [{ id: ID, files: AVIMARK_FILES }]);
  return { dir, dest };
}

const base = {
  liveSources: ['/live/AVImark'],
  requiredFiles: ['CLIENT.V2$'],
  command: null,
  commandTimeoutMs: 60_000,
};

describe('runDrill', () => {
  it('refuses when the scratch folder would be inside the live AVImark folder, touching nothing', async () => {
    const { dest } = await setup();
    const snapshot = await resolveSnapshotId(dest, 'latest');
    await expect(
      runDrill({ ...base, dest, snapshot, liveSources: [dest], restore: restoreInto(dest) }),
    ).rejects.toThrow(UsageError);
    await expect(
      runDrill({ ...base, dest, snapshot, liveSources: [dest], restore: restoreInto(dest) }),
    ).rejects.toThrow(/inside the live AVImark folder/);
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
    expect(existsSync(path.join(dest, 'meta', ID, 'drill.json'))).toBe(false);
  });

  it('records an operational failure, removes the scratch folder and throws RunFailedError (exit 1)', async () => {
    const { dest } = await setup();
    const snapshot = await resolveSnapshotId(dest, 'latest');
    const restore: RestoreInto = async (snap, to) => {
      await restoreInto(dest)(snap, to);
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    };
    const err = await runDrill({ ...base, dest, snapshot, restore }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as RunFailedError).exitCode).toBe(1);
    expect((err as Error).message).toContain('EIO');
    const record = JSON.parse(await readFile(path.join(dest, 'meta', ID, 'drill.json'), 'utf8')) as DrillRecord;
    expect(record.ok).toBe(false);
    expect(record.problems[0]).toContain('could not finish');
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
  });

  it('stops a command that runs too long and fails the drill', async () => {
    const { dest } = await setup();
    const snapshot = await resolveSnapshotId(dest, 'latest');
    const before = await fingerprint(path.join(dest, 'snapshots'));
    const { record, command } = await runDrill({
      ...base,
      restore: restoreInto(dest),
      dest,
      snapshot,
      command: [process.execPath, '-e', 'console.log("starting"); setTimeout(() => {}, 60000)'],
      commandTimeoutMs: 2500,
    });
    expect(command?.timedOut).toBe(true);
    expect(record.ok).toBe(false);
    expect(record.problems.join('\n')).toMatch(/did not finish within 2\.5 seconds and was stopped/);
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
    expect(await fingerprint(path.join(dest, 'snapshots'))).toEqual(before);
  });

  it('reads the restored copy back: files damaged, vanished or added after the restore are reported', async () => {
    const { dest } = await setup();
    const snapshot = await resolveSnapshotId(dest, 'latest');
    const restore: RestoreInto = async (snap, to) => {
      const result = await restoreInto(dest)(snap, to);
      await mkdir(path.join(to, 'Stray'));
      await localFs.rm(path.join(to, 'ANIMAL.V2$'));
      await writeFile(path.join(to, 'TREAT.V2$'), 'written wrong');
      return result;
    };
    const { record } = await runDrill({ ...base, dest, snapshot, restore });
    expect(record.ok).toBe(false);
    expect(record.problems).toEqual([
      `damaged: TREAT.V2$ (size 13 bytes, the manifest says ${AVIMARK_FILES['TREAT.V2$'].length})`,
      'missing after restore: ANIMAL.V2$',
      'not in the manifest: Stray',
    ]);
  });

  it('removes scratch folders a killed drill left more than a day ago, and keeps fresh ones', async () => {
    const { dest } = await setup();
    const snapshot = await resolveSnapshotId(dest, 'latest');
    const old = path.join(dest, 'drill-scratch', 'old-leftover');
    const fresh = path.join(dest, 'drill-scratch', 'running-elsewhere');
    await mkdir(old, { recursive: true });
    await mkdir(fresh, { recursive: true });
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    await utimes(old, twoDaysAgo, twoDaysAgo);
    const { record } = await runDrill({ ...base, dest, snapshot, restore: restoreInto(dest) });
    expect(record.ok).toBe(true);
    expect(await readdir(path.join(dest, 'drill-scratch'))).toEqual(['running-elsewhere']);
  });
});
