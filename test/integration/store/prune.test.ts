import { lstat, mkdir, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifySnapshot } from '../../../src/engine/verify';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { deletingDir, pruneSnapshots } from '../../../src/store/prune';
import { listSnapshots } from '../../../src/store/snapshots';
import { tempDir } from '../../helpers/cli';
import { buildStore, dailyIds } from '../../helpers/store';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-prune-'));
});
afterEach(async () => cleanup());

/** Ten nightly snapshots; CLIENT changes every night, the rest never (hard links all the way). */
async function tenNights(dest: string): Promise<string[]> {
  const ids = dailyIds('2026-11-17', 10);
  await buildStore(
    dest,
    ids.map((id, i) => ({
      id,
      files: { 'CLIENT.V2$': `clients night ${i}`, 'ANIMAL.V2$': 'animals', 'Docs/letter.doc': 'Dear client' },
    })),
  );
  return ids;
}

const policy = { keepLast: 3, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 };

describe('pruneSnapshots', () => {
  it('removes what the policy does not keep; the rest still verifies, is read-only and still linked', async () => {
    const dest = path.join(dir, 'dest');
    const ids = await tenNights(dest);
    const result = await pruneSnapshots(dest, policy);
    expect(result.keep.map((d) => d.id)).toEqual(ids.slice(7).reverse());
    expect(result.remove.map((d) => d.id)).toEqual(ids.slice(0, 7).reverse());
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual(ids.slice(7));
    expect((await readdir(path.join(dest, 'snapshots'))).sort()).toEqual(ids.slice(7));
    expect((await readdir(path.join(dest, 'meta'))).sort()).toEqual(ids.slice(7));
    expect(await readdir(path.join(dest, 'in-progress'))).toEqual([]);
    for (const snapshot of await listSnapshots(dest)) {
      const { record } = await verifySnapshot(snapshot, { writeRecord: false });
      expect(record.ok).toBe(true);
      for (const f of ['CLIENT.V2$', 'ANIMAL.V2$', 'Docs/letter.doc']) {
        expect((await stat(path.join(snapshot.dir, f))).mode & 0o222).toBe(0);
      }
    }
    // The unchanged file is still one file shared by the three kept snapshots.
    const animal = await stat(path.join(dest, 'snapshots', ids[9], 'ANIMAL.V2$'));
    expect(animal.nlink).toBe(3);
  });

  it('a dry run changes nothing', async () => {
    const dest = path.join(dir, 'dest');
    const ids = await tenNights(dest);
    const result = await pruneSnapshots(dest, policy, { dryRun: true });
    expect(result.remove).toHaveLength(7);
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual(ids);
  });

  it('never removes the newest, with the tightest policy', async () => {
    const dest = path.join(dir, 'dest');
    const ids = await tenNights(dest);
    await pruneSnapshots(dest, { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 });
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual([ids[9]]);
  });

  it('finishes a deletion an interrupted prune left behind (snapshot renamed, meta still there)', async () => {
    const dest = path.join(dir, 'dest');
    const ids = await tenNights(dest);
    await mkdir(path.join(dest, 'in-progress'), { recursive: true });
    await rename(path.join(dest, 'snapshots', ids[0]), deletingDir(dest, ids[0]));
    // Not visible as a snapshot any more, although its manifest is still complete:
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual(ids.slice(1));
    const result = await pruneSnapshots(dest, { keepLast: 20, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 });
    expect(result.leftovers).toEqual([ids[0]]);
    expect(result.remove).toEqual([]);
    expect(await readdir(path.join(dest, 'in-progress'))).toEqual([]);
    await expect(lstat(path.join(dest, 'meta', ids[0]))).rejects.toThrow(/ENOENT/);
    for (const snapshot of await listSnapshots(dest)) {
      expect((await verifySnapshot(snapshot, { writeRecord: false })).record.ok).toBe(true);
    }
  });

  it('re-protects the remaining links when deleting a link clears read-only (as Windows does)', async () => {
    const dest = path.join(dir, 'dest');
    const ids = await tenNights(dest);
    // Emulates Windows/libuv < 1.49: deleting a read-only file first clears the attribute, which
    // belongs to the file and so to every other snapshot's link too.
    const windowsLike: FileSystem = {
      ...localFs,
      unlink: async (p) => {
        await localFs.chmod(p, 0o644);
        await localFs.unlink(p);
      },
    };
    await pruneSnapshots(dest, policy, { fs: windowsLike });
    for (const id of ids.slice(7)) {
      for (const f of ['ANIMAL.V2$', 'Docs/letter.doc']) {
        expect((await stat(path.join(dest, 'snapshots', id, f))).mode & 0o222, `${id}/${f}`).toBe(0);
      }
    }
  });

  it('handles an empty or missing store', async () => {
    const result = await pruneSnapshots(path.join(dir, 'nothing-here'), policy);
    expect(result).toEqual({ dryRun: false, keep: [], remove: [], leftovers: [], failedRunRecords: [] });
  });
});
