import { readFile, readdir, readlink, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli';
import { writeSampleFolder } from '../helpers/sample-folder';
import { avimarkTree, encrypt, writeTree } from '../unit/guard/avimark-records';

/**
 * Issue 14, items 4, 5 and 8 through the CLI bundle: an empty source never becomes the good backup, an
 * encrypted one is kept but marked suspect (exit 5, `latest` unmoved, pruning held until `accept`), and
 * one store holds one source.
 */

let dir: string;
let cleanup: () => Promise<void>;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-guard-e2e-'));
  env = { AVIMARK_BACKUP_STATE_DIR: path.join(dir, 'state') };
});
afterEach(async () => cleanup());

const run = (args: string[]) => runCli(args, { env, cwd: dir });

interface Listed {
  snapshots: { id: string; source: string | null; suspect: { reasons: string[] } | null }[];
}

async function listed(store: string[]): Promise<Listed> {
  const r = await run(['list', ...store, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Listed;
}

async function latestTarget(dest: string): Promise<string> {
  return path.basename(await readlink(path.join(dest, 'latest')));
}

describe('ransomware guard', () => {
  it('an encrypted night exits 5, keeps latest, holds every prune until accept', async () => {
    const source = path.join(dir, 'AVImark');
    const dest = path.join(dir, 'backup');
    const files = avimarkTree(7);
    await writeTree(source, files);
    const config = path.join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        source,
        destination: dest,
        alerts: { eventLog: { enabled: false } },
        retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, auto: true },
      }),
    );
    const store = ['--config', config];
    const good = await run(['backup', ...store, '--no-lockout', '--json']);
    expect(good.code, good.stderr).toBe(0);
    const goodJson = JSON.parse(good.stdout) as { snapshotId: string; suspect: boolean };
    expect(goodJson.suspect).toBe(false);
    const goodId = goodJson.snapshotId;

    // The attack: every table encrypted in place (AES-256-CTR keeps the size); five renamed to .akira.
    const tables = files.filter((f) => f.path.startsWith('TABLE'));
    for (const [i, f] of tables.entries()) {
      const target = path.join(source, f.path);
      await writeFile(target, encrypt(f.data));
      if (i < 5) await rename(target, `${target}.akira`);
    }
    const bad = await run(['backup', ...store, '--no-lockout', '--json']);
    expect(bad.code, bad.stderr).toBe(5);
    const badJson = JSON.parse(bad.stdout) as {
      snapshotId: string;
      suspect: boolean;
      suspectReasons: string[];
      warnings: string[];
    };
    expect(badJson.suspect).toBe(true);
    expect(badJson.suspectReasons.join(' ')).toMatch(/kept their size/);
    expect(badJson.suspectReasons.join(' ')).toMatch(/incompressible/);
    expect(badJson.suspectReasons.join(' ')).toMatch(/\.akira/);
    // The automatic prune after the run was held (keepLast 1 would have removed the good snapshot).
    expect(badJson.warnings.join(' ')).toMatch(/pruning is held/);
    const suspectId = badJson.snapshotId;
    expect(await latestTarget(dest)).toBe(goodId);

    const list = await listed(store);
    expect(list.snapshots.map((s) => [s.id, s.suspect !== null])).toEqual([
      [goodId, false],
      [suspectId, true],
    ]);
    const text = await run(['list', ...store]);
    expect(text.stdout).toMatch(/SUSPECT/);

    const prune = await run(['prune', ...store]);
    expect(prune.code, prune.stderr).toBe(5);
    expect(prune.stderr).toMatch(new RegExp(`pruning is held: snapshot ${suspectId} is marked suspect`));
    expect(prune.stderr).toMatch(/accept/);
    expect((await listed(store)).snapshots).toHaveLength(2);
    const restoreLatest = await run(['verify', 'latest', ...store, '--json']);
    expect(restoreLatest.code, restoreLatest.stderr).toBe(0);
    expect(restoreLatest.stdout).toContain(goodId);

    const accept = await run(['accept', suspectId, ...store]);
    expect(accept.code, accept.stderr).toBe(0);
    expect(accept.stdout).toMatch(/pruning resumes/);
    expect(await latestTarget(dest)).toBe(suspectId);
    expect((await listed(store)).snapshots.every((s) => s.suspect === null)).toBe(true);
    const again = await run(['accept', suspectId, ...store]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/not marked suspect/);

    const resumed = await run(['prune', ...store, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).remove).toEqual([goodId]);
  }, 120_000);

  it('prune --id deletes only a suspect snapshot', async () => {
    const source = path.join(dir, 'AVImark');
    const dest = path.join(dir, 'backup');
    const files = avimarkTree(11);
    await writeTree(source, files);
    const flags = ['--source', source, '--dest', dest, '--no-lockout', '--json'];
    const good = await run(['backup', ...flags]);
    expect(good.code, good.stderr).toBe(0);
    const goodId = JSON.parse(good.stdout).snapshotId as string;
    for (const f of files.filter((x) => x.path.startsWith('TABLE')))
      await writeFile(path.join(source, f.path), encrypt(f.data));
    const bad = await run(['backup', ...flags]);
    expect(bad.code, bad.stderr).toBe(5);
    const suspectId = JSON.parse(bad.stdout).snapshotId as string;

    const refused = await run(['prune', '--dest', dest, '--id', goodId]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not marked suspect/);
    const removed = await run(['prune', '--dest', dest, '--id', suspectId]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await listed(['--dest', dest])).snapshots.map((s) => s.id)).toEqual([goodId]);
    expect(await latestTarget(dest)).toBe(goodId);
    // The next night still compares with the good snapshot: still suspect.
    const next = await run(['backup', ...flags]);
    expect(next.code, next.stderr).toBe(5);
  }, 120_000);
});

describe('shrink guard', () => {
  it('an empty source after a good night exits 1 and commits nothing; --allow-shrink accepts it once', async () => {
    const source = path.join(dir, 'AVImark');
    const dest = path.join(dir, 'backup');
    await writeSampleFolder(source);
    const flags = ['--source', source, '--dest', dest, '--no-lockout'];
    const good = await run(['backup', ...flags, '--json']);
    expect(good.code, good.stderr).toBe(0);
    const goodId = JSON.parse(good.stdout).snapshotId as string;

    for (const name of await readdir(source)) await rm(path.join(source, name), { recursive: true });
    const empty = await run(['backup', ...flags]);
    expect(empty.code, empty.stderr).toBe(1);
    expect(empty.stderr).toMatch(/the source has 0 files .*the previous snapshot had 6 files/);
    expect(empty.stderr).toMatch(/--allow-shrink/);
    expect((await listed(['--dest', dest])).snapshots.map((s) => s.id)).toEqual([goodId]);
    expect(await latestTarget(dest)).toBe(goodId);

    const allowed = await run(['backup', ...flags, '--allow-shrink', '--json']);
    expect(allowed.code, allowed.stderr).toBe(0);
    const allowedJson = JSON.parse(allowed.stdout) as { snapshotId: string; warnings: string[] };
    expect(allowedJson.warnings.join(' ')).toMatch(/--allow-shrink accepted/);
    expect((await listed(['--dest', dest])).snapshots).toHaveLength(2);
  }, 120_000);

  it('a required file going missing fails the run and names it', async () => {
    const source = path.join(dir, 'AVImark');
    const dest = path.join(dir, 'backup');
    await writeSampleFolder(source);
    const flags = ['--source', source, '--dest', dest, '--no-lockout'];
    expect((await run(['backup', ...flags])).code).toBe(0);
    await rm(path.join(source, 'ANIMAL.V2$'));
    const missing = await run(['backup', ...flags]);
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toMatch(/ANIMAL\.V2\$/);
    expect(missing.stderr).toMatch(/drill\.requiredFiles/);
  }, 120_000);
});

describe('one source per store', () => {
  it('another source is refused, then allowed with --force; list shows each snapshot source', async () => {
    const first = path.join(dir, 'AVImark');
    const second = path.join(dir, 'AVImark-other');
    const dest = path.join(dir, 'backup');
    await writeSampleFolder(first);
    await writeSampleFolder(second);
    expect((await run(['backup', '--source', first, '--dest', dest, '--no-lockout'])).code).toBe(0);
    const before = await readdir(path.join(dest, 'snapshots'));

    const refused = await run(['backup', '--source', second, '--dest', dest, '--no-lockout']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(first);
    expect(refused.stderr).toContain(second);
    expect(refused.stderr).toMatch(/--force/);
    expect(await readdir(path.join(dest, 'snapshots'))).toEqual(before);
    expect(await readdir(path.join(dest, 'in-progress'))).toEqual([]);

    const forced = await run(['backup', '--source', second, '--dest', dest, '--no-lockout', '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((JSON.parse(forced.stdout).warnings as string[]).join(' ')).toMatch(/--force/);
    const list = await listed(['--dest', dest]);
    expect(list.snapshots.map((s) => s.source)).toEqual([first, second]);
    const text = await run(['list', '--dest', dest]);
    expect(text.stdout).toContain(first);
    expect(text.stdout).toContain(second);
    // The store now belongs to the second source.
    expect((await run(['backup', '--source', second, '--dest', dest, '--no-lockout'])).code).toBe(0);
    expect(await readFile(path.join(dest, 'store.json'), 'utf8')).toMatch(/avimark-backup-store/);
  }, 120_000);
});
