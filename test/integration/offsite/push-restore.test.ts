import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treeHashes } from '../../helpers/tree-hash';
import { PASSWORD, cli, type Fixture, fixture, jsonOf, randomText } from './harness';

// Two nights of a small AVImark-like folder: a 32 MiB table where night two changes a few records,
// a few small files, one added file. The table is large against restic's chunks (0.5 to 8 MiB, about
// 1 MiB on average, boundaries drawn from each repository's own random polynomial), so that the chunk
// or two one change costs stays far below a third of the data set whatever the boundaries.
const table = randomText(32 * 1024 * 1024);
const night1 = {
  'CLIENT.V2$': table,
  'ANIMAL.V2$': randomText(200_000),
  'TREAT.V2$': randomText(150_000),
  'notes/read me, please.txt': 'hello',
};
const churned = `${table.slice(0, 5_000_000)}${randomText(4096)}${table.slice(5_004_096)}`;
const night2 = { ...night1, 'CLIENT.V2$': churned, 'new/added.txt': randomText(20_000) };
const ID1 = '2026-11-25_020000';
const ID2 = '2026-11-26_020000';
const dataBytes = Object.values(night2).reduce((s, c) => s + c.length, 0);

let fx: Fixture;
beforeAll(async () => {
  fx = await fixture([
    { id: ID1, files: night1 },
    { id: ID2, files: night2 },
  ]);
});
afterAll(async () => fx.cleanup());

const args = (...a: string[]) => ['offsite', ...a, '--config', fx.configFile, '--json'];

function restic(...a: string[]): string {
  return execFileSync('restic', a, { env: fx.resticEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('offsite push, list and restore against a local repository', () => {
  it('init creates the repository, and a second init only proves the password', async () => {
    const first = jsonOf(await cli(args('init')));
    expect(first).toMatchObject({ ok: true, created: true });
    const again = await cli(args('init'));
    expect(again.code).toBe(0);
    expect(jsonOf(again)).toMatchObject({ created: false, repositoryId: first.repositoryId });
  });

  it('push uploads the first night, then only a fraction of it after a small churn', async () => {
    const r1 = await cli(args('push', ID1));
    expect(r1.code, r1.stderr).toBe(0);
    const p1 = jsonOf(r1);
    expect(p1).toMatchObject({ snapshotId: ID1, uploaded: true, parent: null });
    expect(p1.resticSnapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(p1.bytesAdded as number).toBeGreaterThan(1_000_000);
    // After compression: restic 0.17+ says (never more than before it); older restic does not (null).
    if (p1.bytesStored !== null) expect(p1.bytesStored as number).toBeLessThanOrEqual(p1.bytesAdded as number);
    expect(Object.keys(p1)).toContain('bytesStored');
    expect(typeof p1.durationSeconds).toBe('number');

    const r2 = await cli(args('push', ID2));
    expect(r2.code, r2.stderr).toBe(0);
    const p2 = jsonOf(r2);
    expect(p2).toMatchObject({ snapshotId: ID2, uploaded: true, parent: p1.resticSnapshotId });
    // One changed region costs a chunk or two (about 1 MiB each on average): far below the data set.
    expect(p2.bytesAdded as number).toBeLessThan(dataBytes / 3);
    expect(p2.bytesAdded as number).toBeLessThan((p1.bytesAdded as number) / 3);
    // Unchanged files were not even re-read (explicit --parent, same paths inside the folder).
    expect(p2.filesUnmodified as number).toBeGreaterThanOrEqual(3);

    // Pushing the same snapshot again uploads nothing.
    const again = jsonOf(await cli(args('push', ID2)));
    expect(again).toMatchObject({
      uploaded: false,
      resticSnapshotId: p2.resticSnapshotId,
      bytesAdded: 0,
      bytesStored: 0,
    });

    // Tags were set at backup time: restic has exactly two snapshots, each with our tags.
    const snaps = JSON.parse(restic('snapshots', '--json')) as { tags: string[]; original?: string }[];
    expect(snaps).toHaveLength(2);
    for (const s of snaps) {
      expect(s.tags).toContain('avimark-backup');
      expect(s.original).toBeUndefined();
    }
    expect(snaps.map((s) => s.tags.find((t) => t.startsWith('snapshot=')))).toEqual([
      `snapshot=${ID1}`,
      `snapshot=${ID2}`,
    ]);
  });

  it('list maps our snapshot IDs to restic snapshots and shows the newest copy', async () => {
    const r = await cli(args('list'));
    expect(r.code, r.stderr).toBe(0);
    const list = jsonOf(r) as {
      snapshots: { snapshotId: string; resticSnapshotId: string; local: boolean }[];
      status: { newestCopy: { snapshotId: string; ageDays: number } | null; alert: string | null };
    };
    expect(list.snapshots.map((s) => s.snapshotId)).toEqual([ID1, ID2]);
    expect(list.snapshots.every((s) => s.local)).toBe(true);
    expect(list.status.newestCopy?.snapshotId).toBe(ID2);
    expect(list.status.alert).toBeNull();
  });

  it('verify checks one rotating slice of the data', async () => {
    await fx.writeConfig({ scrubDays: 3 });
    const subsets: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await cli(args('verify'));
      expect(r.code, r.stderr).toBe(0);
      subsets.push(jsonOf(r).subset as string);
    }
    expect(subsets).toEqual(['1/3', '2/3', '3/3', '1/3']);
    await fx.writeConfig();
  });

  it('restore into an empty folder gives exactly the snapshot (SHA-256 walk), writable', async () => {
    const target = path.join(fx.dir, 'restored');
    const r = await cli(args('restore', ID2, '--to', target));
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r)).toMatchObject({ snapshotId: ID2, files: 5 });
    expect(await treeHashes(target)).toEqual(await treeHashes(path.join(fx.dest, 'snapshots', ID2)));
    await writeFile(path.join(target, 'ANIMAL.V2$'), 'edited'); // a restored copy is the user's to change

    // An older night, by our ID, into another folder.
    const older = path.join(fx.dir, 'restored-1');
    expect((await cli(args('restore', ID1, '--to', older))).code).toBe(0);
    expect(await treeHashes(older)).toEqual(await treeHashes(path.join(fx.dest, 'snapshots', ID1)));

    // A folder that is not empty is refused (exit 2), nothing written.
    const refused = await cli(args('restore', ID1, '--to', target));
    expect(refused.code).toBe(2);
    expect(jsonOf(refused)).toMatchObject({ error: { exitCode: 2 } });
  });

  it('a wrong password is exit 2 with a clear message', async () => {
    const wrong = path.join(fx.dir, 'secret', 'wrong.txt');
    await writeFile(wrong, 'not-the-password\n');
    await fx.writeConfig({ passwordFile: wrong });
    const r = await cli(['offsite', 'list', '--config', fx.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/password in offsite\.passwordFile does not open/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const j = await cli(args('push', ID2));
    expect(j.code).toBe(2);
    expect(jsonOf(j)).toMatchObject({ error: { exitCode: 2 } });
    await fx.writeConfig();
  });

  it('the password appears in no output and no log', async () => {
    const logs = path.join(fx.stateDir, 'logs');
    const files = await readdir(logs);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(await readFile(path.join(logs, f), 'utf8')).not.toContain(PASSWORD);
    const r = await cli(args('list'));
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});
