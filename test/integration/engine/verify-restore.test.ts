import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRestoreTarget, restoreSnapshot } from '../../../src/engine/restore';
import { readVerifyRecord, verifySnapshot } from '../../../src/engine/verify';
import { RunFailedError, UsageError } from '../../../src/errors';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { resolveSnapshotId } from '../../../src/store/snapshots';
import { tempDir } from '../../helpers/cli';
import { buildStore } from '../../helpers/store';

let dir: string;
let cleanup: () => Promise<void>;
let dest: string;
const files = {
  'CLIENT.V2$': 'client records '.repeat(5000),
  'ANIMAL.V2$': 'animals',
  'empty.txt': '',
  'My Documents/letter $1 "quoted" é.doc': 'Dear client',
  'deep/a/b/c/d.txt': 'deep',
};

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-vr-'));
  dest = path.join(dir, 'dest');
  await buildStore(dest, [
    { id: '2026-11-25_020000', files },
    { id: '2026-11-26_020000', files: { ...files, 'ANIMAL.V2$': 'animals v2' } },
  ]);
});
afterEach(async () => cleanup());

async function flipByte(file: string, offset: number): Promise<void> {
  await chmod(file, 0o644);
  const data = await readFile(file);
  data[offset] ^= 0xff;
  await writeFile(file, data);
}

describe('verifySnapshot', () => {
  it('passes an intact snapshot and records the result in meta/<ID>/verify.json', async () => {
    const snapshot = await resolveSnapshotId(dest, 'latest');
    const { record, problems } = await verifySnapshot(snapshot);
    expect(problems).toEqual([]);
    expect(record).toMatchObject({ snapshotId: '2026-11-26_020000', ok: true, filesChecked: 5, samplePercent: 100 });
    expect(await readVerifyRecord(snapshot)).toEqual(record);
  });

  it('finds a flipped byte, a missing file and an extra file, by path', async () => {
    const snapshot = await resolveSnapshotId(dest, '2026-11-26_020000');
    await flipByte(path.join(snapshot.dir, 'CLIENT.V2$'), 40_000);
    await unlink(path.join(snapshot.dir, 'deep', 'a', 'b', 'c', 'd.txt'));
    await writeFile(path.join(snapshot.dir, 'My Documents', 'stray.tmp'), 'x');
    const { record, problems } = await verifySnapshot(snapshot);
    expect(record.ok).toBe(false);
    expect(record.damaged).toEqual(['CLIENT.V2$']);
    expect(record.missing).toEqual(['deep/a/b/c/d.txt']);
    expect(record.extra).toEqual(['My Documents/stray.tmp']);
    expect(problems.find((p) => p.kind === 'damaged')?.detail).toMatch(/content differs/);
    expect((await readVerifyRecord(snapshot))?.ok).toBe(false);
    // The damage is in the newest snapshot only: CLIENT is a hard link, so the older one shares it.
    const older = await verifySnapshot(await resolveSnapshotId(dest, '2026-11-25_020000'), { writeRecord: false });
    expect(older.record.damaged).toEqual(['CLIENT.V2$']);
  });

  it('reports a size change without reading the file', async () => {
    const snapshot = await resolveSnapshotId(dest, 'latest');
    await chmod(path.join(snapshot.dir, 'ANIMAL.V2$'), 0o644);
    await writeFile(path.join(snapshot.dir, 'ANIMAL.V2$'), 'animals v2 and more');
    const { problems } = await verifySnapshot(snapshot, { writeRecord: false });
    expect(problems).toEqual([{ kind: 'damaged', path: 'ANIMAL.V2$', detail: 'size 19 bytes, expected 10' }]);
  });

  it('samples: re-hashes only the chosen share of files but checks presence of all', async () => {
    const snapshot = await resolveSnapshotId(dest, 'latest');
    let n = 0;
    const alternate = () => (n++ % 2 === 0 ? 0.1 : 0.9); // 10% → below 50 (hashed), 90% → above (skipped)
    const { record } = await verifySnapshot(snapshot, { samplePercent: 50, random: alternate, writeRecord: false });
    expect(record.samplePercent).toBe(50);
    expect(record.filesChecked).toBe(3);
    await unlink(path.join(snapshot.dir, 'empty.txt'));
    const never = await verifySnapshot(snapshot, { samplePercent: 1, random: () => 0.99, writeRecord: false });
    expect(never.record.filesChecked).toBe(0);
    expect(never.record.missing).toEqual(['empty.txt']);
  });

  it('warns about snapshot files that lost their read-only protection', async () => {
    const snapshot = await resolveSnapshotId(dest, 'latest');
    await chmod(path.join(snapshot.dir, 'ANIMAL.V2$'), 0o644);
    const { record, warnings } = await verifySnapshot(snapshot, { writeRecord: false });
    expect(record.ok).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/^1 file\(s\) in the snapshot are writable/)]);
  });

  it('a snapshot pruned away while being verified is a failed run, not damage', async () => {
    const snapshot = await resolveSnapshotId(dest, 'latest');
    let pruned = false;
    const racing: FileSystem = {
      ...localFs,
      open: (async (p: string, ...rest: unknown[]) => {
        if (!pruned && p.startsWith(snapshot.dir + path.sep)) {
          pruned = true;
          await rename(snapshot.dir, path.join(dir, 'gone'));
          await rename(snapshot.metaDir, path.join(dir, 'gone-meta'));
        }
        return (localFs.open as (...a: unknown[]) => unknown)(p, ...rest);
      }) as FileSystem['open'],
    };
    await expect(verifySnapshot(snapshot, { fs: racing })).rejects.toThrow(RunFailedError);
  });
});

describe('restoreSnapshot', () => {
  it('writes an independent, writable copy with the original times, identical to the snapshot', async () => {
    const snapshot = await resolveSnapshotId(dest, 'latest');
    const target = path.join(dir, 'restored');
    const result = await restoreSnapshot(snapshot, target, { liveSources: ['/live/AVImark'], dest });
    expect(result.problems).toEqual([]);
    expect(result.files).toBe(5);
    execFileSync('diff', ['-r', snapshot.dir, target]);
    for (const rel of Object.keys(files)) {
      const restored = await stat(path.join(target, ...rel.split('/')), { bigint: true });
      const stored = await stat(path.join(snapshot.dir, ...rel.split('/')), { bigint: true });
      expect(restored.ino).not.toBe(stored.ino);
      expect(restored.nlink).toBe(1n);
      expect(Number(restored.mode & 0o200n)).toBe(0o200);
      // utimes carries microseconds: compare at that precision.
      expect(restored.mtimeNs / 1000n).toBe(stored.mtimeNs / 1000n);
    }
    // Writing to the restored copy cannot reach the backup.
    await writeFile(path.join(target, 'ANIMAL.V2$'), 'changed');
    expect(await readFile(path.join(snapshot.dir, 'ANIMAL.V2$'), 'utf8')).toBe('animals v2');
  });

  it('reports a file whose content no longer matches the manifest', async () => {
    const snapshot = await resolveSnapshotId(dest, 'latest');
    await flipByte(path.join(snapshot.dir, 'CLIENT.V2$'), 3);
    const result = await restoreSnapshot(snapshot, path.join(dir, 'r'), { liveSources: [], dest });
    expect(result.problems.map((p) => p.path)).toEqual(['CLIENT.V2$']);
  });

  it('refuses a non-empty target unless forced, then replaces files of the same name', async () => {
    const snapshot = await resolveSnapshotId(dest, 'latest');
    const target = path.join(dir, 'busy');
    await mkdir(target);
    await writeFile(path.join(target, 'ANIMAL.V2$'), 'old');
    await chmod(path.join(target, 'ANIMAL.V2$'), 0o444);
    await expect(restoreSnapshot(snapshot, target, { liveSources: [], dest })).rejects.toThrow(/not empty/);
    expect(await readFile(path.join(target, 'ANIMAL.V2$'), 'utf8')).toBe('old');
    const result = await restoreSnapshot(snapshot, target, { liveSources: [], dest, force: true });
    expect(result.problems).toEqual([]);
    expect(await readFile(path.join(target, 'ANIMAL.V2$'), 'utf8')).toBe('animals v2');
  });

  it.each([
    ['the live folder itself', (live: string) => live, /live AVImark folder/],
    ['a folder inside it', (live: string) => path.join(live, 'restore'), /live AVImark folder/],
    ['a folder around it', (live: string) => path.dirname(live), /live AVImark folder/],
    ['a folder inside the store', () => path.join(dest, 'restore'), /backup store/],
  ])('refuses %s and writes nothing', async (_name, targetOf, message) => {
    const live = path.join(dir, 'live', 'AVImark');
    await mkdir(live, { recursive: true });
    const target = targetOf(live);
    const err = await checkRestoreTarget(target, { liveSources: [live], dest }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    const snapshot = await resolveSnapshotId(dest, 'latest');
    await expect(restoreSnapshot(snapshot, target, { liveSources: [live], dest, force: true })).rejects.toThrow(
      message,
    );
    await expect(stat(path.join(live, 'CLIENT.V2$'))).rejects.toThrow(/ENOENT/);
  });
});
