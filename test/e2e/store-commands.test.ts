import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { runCli, tempDir } from '../helpers/cli';
import { writeSampleFolder } from '../helpers/sample-folder';

let dir: string;
let cleanup: () => Promise<void>;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-store-e2e-'));
  env = { AVIMARK_BACKUP_STATE_DIR: path.join(dir, 'state') };
});
afterEach(async () => cleanup());

const run = (args: string[]) => runCli(args, { env, cwd: dir });

async function backedUpStore(): Promise<{ source: string; dest: string; ids: string[] }> {
  const source = path.join(dir, 'AVImark');
  const dest = path.join(dir, 'backup');
  await writeSampleFolder(source);
  await symlink('AVIMARK.INI', path.join(source, 'settings-link'));
  const first = await run(['backup', '--source', source, '--dest', dest, '--no-lockout', '--json']);
  expect(first.code, first.stderr).toBe(0);
  await writeFile(path.join(source, 'CLIENT.V2$'), 'changed during the day');
  const second = await run(['backup', '--source', source, '--dest', dest, '--no-lockout', '--json']);
  expect(second.code, second.stderr).toBe(0);
  const ids = [JSON.parse(first.stdout).snapshotId as string, JSON.parse(second.stdout).snapshotId as string];
  return { source, dest, ids };
}

describe('configuration errors: exit 2, the field named, nothing created', () => {
  const cases: [string, (d: string) => string, RegExp][] = [
    ['not JSON', () => '{ "source": "/x", ', /line \d+, column \d+.*not valid JSON/],
    [
      'wrong type',
      (d) => JSON.stringify({ source: `${d}/AVImark`, destination: `${d}/b`, engine: { concurrency: 'four' } }),
      /engine\.concurrency: expected a number/,
    ],
    [
      'unknown key',
      (d) => JSON.stringify({ source: `${d}/AVImark`, destination: `${d}/b`, lockout: { servces: [] } }),
      /lockout\.servces: is not a known field/,
    ],
    ['missing required', (d) => JSON.stringify({ destination: `${d}/b` }), /source: is required/],
    [
      'negative grace',
      (d) => JSON.stringify({ source: `${d}/AVImark`, destination: `${d}/b`, lockout: { gracePeriodSeconds: -1 } }),
      /lockout\.gracePeriodSeconds: must be zero or more/,
    ],
    [
      'relative path',
      (d) => JSON.stringify({ source: 'AVImark', destination: `${d}/b` }),
      /source: must be an absolute path/,
    ],
    [
      'destination inside source',
      (d) => JSON.stringify({ source: `${d}/AVImark`, destination: `${d}/AVImark/backup` }),
      /destination: is inside source/,
    ],
    [
      'bad list entry',
      (d) => JSON.stringify({ source: `${d}/AVImark`, destination: `${d}/b`, lockout: { services: [{ name: '' }] } }),
      /lockout\.services\[0\]\.name: must not be empty/,
    ],
  ];
  it.each(cases)('%s', async (_name, content, message) => {
    const config = path.join(dir, 'config.jsonc');
    await writeFile(config, content(dir));
    const before = (await readdir(dir)).sort();
    const result = await run(['backup', '--config', config, '--no-lockout']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('store commands check a config file in full too; --json puts the error in one JSON object', async () => {
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ destination: `${dir}/b`, retention: { keepLast: -1 } }));
    const result = await run(['list', '--config', config, '--json']);
    expect(result.code).toBe(2);
    // A config file is checked in full whatever the command; every problem is listed.
    const message = JSON.parse(result.stdout).error.message as string;
    expect(message).toMatch(/2 problems/);
    expect(message).toMatch(/source: is required/);
    expect(message).toMatch(/retention\.keepLast/);
  });

  it('a command without --config or --dest is a usage error', async () => {
    const result = await run(['list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--config FILE or --dest DIR/);
  });
});

describe('init', () => {
  it('writes a commented config that loads, refuses to overwrite, replaces with --force', async () => {
    const file = path.join(dir, 'etc', 'avimark-backup.jsonc');
    const first = await run(['init', '--out', file]);
    expect(first.code, first.stderr).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^\/\/ avimark-backup configuration/);
    expect(text).toContain('"AVImarkServer"');
    expect(text).toMatch(/\/\/ , \{ "name": "AVImark Sync", "optional": true \}/);
    const settings = await loadConfig(file);
    expect(settings.lockout.share?.name).toBe('AVImark');
    expect(settings.lockout.services).toEqual([{ name: 'AVImarkServer', optional: false }]);

    const again = await run(['init', '--out', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    const forced = await run(['init', '--out', file, '--force', '--source', 'live', '--dest', 'bk']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await loadConfig(file)).source).toBe(path.join(dir, 'live'));
  });

  it('refuses a destination inside the source before writing', async () => {
    const file = path.join(dir, 'c.jsonc');
    const result = await run(['init', '--out', file, '--source', 'live', '--dest', 'live/backup']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/destination: is inside source/);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });
});

describe('list, verify, restore, prune on a real backup', () => {
  it('lists, finds damage (exit 3), restores a round trip, prunes to the newest', async () => {
    const { source, dest, ids } = await backedUpStore();

    const listed = await run(['list', '--dest', dest, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const summaries = JSON.parse(listed.stdout).snapshots as {
      id: string;
      files: number;
      verification: { state: string };
    }[];
    expect(summaries.map((s) => s.id)).toEqual(ids);
    expect(summaries[1].files).toBe(6);
    expect(summaries[1].verification.state).toBe('never');

    const clean = await run(['verify', '--dest', dest, '--all']);
    expect(clean.code, clean.stderr).toBe(0);

    // Restore round trip: identical to the source, writable, not linked into the store.
    const target = path.join(dir, 'restored');
    const restored = await run(['restore', 'latest', '--dest', dest, '--to', target]);
    expect(restored.code, restored.stderr).toBe(0);
    execFileSync('diff', ['-r', '--no-dereference', source, target]);
    expect(await readlink(path.join(target, 'settings-link'))).toBe('AVIMARK.INI');
    const restoredClient = await stat(path.join(target, 'CLIENT.V2$'), { bigint: true });
    const storedClient = await stat(path.join(dest, 'snapshots', ids[1], 'CLIENT.V2$'), { bigint: true });
    expect(restoredClient.ino).not.toBe(storedClient.ino);
    expect(Number(restoredClient.mode & 0o200n)).toBe(0o200);

    // Refusals: non-empty target, the live source (known from the snapshot even with --dest only).
    const busy = await run(['restore', 'latest', '--dest', dest, '--to', target]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/not empty/);
    const live = await run(['restore', 'latest', '--dest', dest, '--to', path.join(source, 'x')]);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/live AVImark folder/);
    await expect(stat(path.join(source, 'x'))).rejects.toThrow(/ENOENT/);
    const unknown = await run(['restore', '2001-01-01_000000', '--dest', dest, '--to', path.join(dir, 'r2')]);
    expect(unknown.code).toBe(2);
    const dry = await run(['restore', 'latest', '--dest', dest, '--to', path.join(dir, 'r3'), '--dry-run']);
    expect(dry.code).toBe(2);
    await expect(stat(path.join(dir, 'r3'))).rejects.toThrow(/ENOENT/);

    // A flipped byte in the newest snapshot: verify names it and exits 3; list shows it.
    const victim = path.join(dest, 'snapshots', ids[1], 'ANIMAL.V2$');
    await chmod(victim, 0o644);
    const data = await readFile(victim);
    data[1234] ^= 0x01;
    await writeFile(victim, data);
    const damaged = await run(['verify', 'latest', '--dest', dest, '--json']);
    expect(damaged.code).toBe(3);
    const report = JSON.parse(damaged.stdout);
    expect(report.ok).toBe(false);
    expect(report.snapshots[0].damaged).toEqual(['ANIMAL.V2$']);
    const text = await run(['verify', '--dest', dest]);
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/damaged ANIMAL\.V2\$/);
    const after = JSON.parse((await run(['list', '--dest', dest, '--json'])).stdout).snapshots;
    expect(after[1].verification.state).toBe('damaged');
    await writeFile(victim, ((data[1234] ^= 0x01), data));
    await chmod(victim, 0o444);

    // Prune with keepLast 1: the newest stays, still verifies, still read-only.
    const config = path.join(dir, 'prune.json');
    await writeFile(
      config,
      JSON.stringify({
        source,
        destination: dest,
        retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
      }),
    );
    const dryPrune = await run(['prune', '--config', config, '--dry-run', '--json']);
    expect(dryPrune.code, dryPrune.stderr).toBe(0);
    expect(JSON.parse(dryPrune.stdout).remove).toEqual([ids[0]]);
    expect((await readdir(path.join(dest, 'snapshots'))).sort()).toEqual(ids);
    const pruned = await run(['prune', '--config', config]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(await readdir(path.join(dest, 'snapshots'))).toEqual([ids[1]]);
    const still = await run(['verify', 'latest', '--dest', dest]);
    expect(still.code, still.stdout).toBe(0);
    for (const f of ['ANIMAL.V2$', 'AVIMARK.INI', 'Images/x ray/rex 1.jpg']) {
      expect((await stat(path.join(dest, 'snapshots', ids[1], f))).mode & 0o222).toBe(0);
    }
    // The config gave logging a state dir (via AVIMARK_BACKUP_STATE_DIR): prune left its log there.
    const logs = await readdir(path.join(dir, 'state', 'logs'));
    expect(logs.some((l) => l.endsWith('-prune.log'))).toBe(true);
  });

  it('a manifest altered to climb out of its folders: restore and verify stop (exit 3) and write nothing outside', async () => {
    const { dest, ids } = await backedUpStore();
    const manifest = path.join(dest, 'meta', ids[1], 'manifest.jsonl');
    await chmod(manifest, 0o644);
    const text = await readFile(manifest, 'utf8');
    await writeFile(manifest, text.replace('"path":"CLIENT.V2$"', '"path":"Images/../../../escaped.txt"'));
    // What the altered entry would read (snapshots/<id>/Images/../../../escaped.txt), with the content it names.
    await writeFile(path.join(dest, 'escaped.txt'), await readFile(path.join(dest, 'snapshots', ids[1], 'CLIENT.V2$')));
    const target = path.join(dir, 'out', 'a', 'restored');
    await mkdir(path.dirname(target), { recursive: true });

    const restored = await run(['restore', 'latest', '--dest', dest, '--to', target]);
    expect(restored.code).toBe(3);
    expect(restored.stderr).toMatch(
      /line \d+: the path "Images\/\.\.\/\.\.\/\.\.\/escaped\.txt" has an empty, "\." or "\.\." part/,
    );
    expect(restored.stderr).toMatch(/damaged or was altered/);
    // target/Images/../../../escaped.txt is dir/out/escaped.txt: never written.
    await expect(stat(path.join(dir, 'out', 'escaped.txt'))).rejects.toThrow(/ENOENT/);
    const verified = await run(['verify', 'latest', '--dest', dest]);
    expect(verified.code).toBe(3);
    expect(verified.stderr + verified.stdout).toMatch(/escaped\.txt/);
  });

  it('list on an empty destination says so', async () => {
    await mkdir(path.join(dir, 'empty'));
    const result = await run(['list', '--dest', path.join(dir, 'empty')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/No snapshots/);
  });
});
