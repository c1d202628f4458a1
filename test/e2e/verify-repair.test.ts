import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../src/fs/local';
import { openManifest } from '../../src/store/manifest';
import { runCli, tempDir } from '../helpers/cli';
import { writeTree } from '../helpers/tree';

/** Issue 14 item 2: `verify --repair` heals damaged stored files (run `node build.mjs --bundle-only` first). */

let dir: string;
let cleanup: () => Promise<void>;
let src: string;
let dest: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-repair-'));
  src = path.join(dir, 'AVImark');
  dest = path.join(dir, 'backups');
});
afterEach(async () => cleanup());

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const snapshotIds = () => readdirSync(path.join(dest, 'snapshots')).sort();

function flipByte(file: string): void {
  const st = statSync(file);
  chmodSync(file, 0o644);
  const bytes = readFileSync(file);
  bytes[5] = (bytes[5] ?? 0) ^ 0xff;
  writeFileSync(file, bytes);
  chmodSync(file, 0o444);
  utimesSync(file, st.atime, st.mtime);
}

/** The oracle: a fresh hash walk of every snapshot equals its manifest. */
async function mismatches(): Promise<string[]> {
  const bad: string[] = [];
  for (const id of snapshotIds()) {
    const { entries } = await openManifest(localFs, path.join(dest, 'meta', id, 'manifest.jsonl'));
    for await (const e of entries) {
      if (e.type !== 'file') continue;
      const file = path.join(dest, 'snapshots', id, ...e.path.split('/'));
      if (sha(file) !== e.sha256) bad.push(`${id}/${e.path}`);
    }
  }
  return bad;
}

async function backup(): Promise<void> {
  const r = await runCli(['backup', '--source', src, '--dest', dest, '--no-lockout', '--json']);
  expect(r.code, r.stderr).toBe(0);
}

describe('verify --repair', () => {
  it('heals a damaged file shared by every snapshot from the live source, and says so (exit 0)', async () => {
    writeTree(src, { 'ANIMAL.V2$': 'animal records '.repeat(200), 'CLIENT.V2$': 'clients v1' });
    await backup();
    writeFileSync(path.join(src, 'CLIENT.V2$'), 'clients v2, changed');
    await backup();
    const ids = snapshotIds();
    expect(ids).toHaveLength(2);
    const damaged = path.join(dest, 'snapshots', ids[0] as string, 'ANIMAL.V2$');
    const mtime = statSync(damaged, { bigint: true }).mtimeNs;
    flipByte(damaged);
    expect(await mismatches()).toEqual(ids.map((id) => `${id}/ANIMAL.V2$`));

    const r = await runCli(['verify', '--all', '--repair', '--dest', dest, '--source', src]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const id of ids) expect(r.stdout).toContain(`healed        ${id} ANIMAL.V2$ (from the live source)`);
    expect(r.stdout).toContain('2 file(s) healed');
    expect(await mismatches()).toEqual([]);
    for (const id of ids) {
      const healed = path.join(dest, 'snapshots', id, 'ANIMAL.V2$');
      expect(statSync(healed).mode & 0o222).toBe(0);
      expect(statSync(healed, { bigint: true }).mtimeNs / 1000n).toBe(mtime / 1000n);
      const record = JSON.parse(readFileSync(path.join(dest, 'meta', id, 'verify.json'), 'utf8'));
      expect(record.ok).toBe(true);
      expect(record.repair.healed).toEqual(['ANIMAL.V2$']);
    }
    // No temporary files left beside the healed ones; a plain verify now passes.
    expect(readdirSync(path.join(dest, 'snapshots', ids[0] as string)).sort()).toEqual(['ANIMAL.V2$', 'CLIENT.V2$']);
    expect((await runCli(['verify', '--all', '--dest', dest])).code).toBe(0);
  });

  it('heals from another snapshot when the live source has changed since', async () => {
    writeTree(src, { 'TREAT.V2$': 'treatments '.repeat(100) });
    await backup();
    const [first] = snapshotIds();
    // A second snapshot holding the same content on its own inode (copied with --checksum after a touch).
    const touched = new Date(Date.now() - 3600_000);
    utimesSync(path.join(src, 'TREAT.V2$'), touched, touched);
    await backup();
    const second = snapshotIds()[1] as string;
    writeFileSync(path.join(src, 'TREAT.V2$'), 'treatments, rewritten since');
    flipByte(path.join(dest, 'snapshots', first as string, 'TREAT.V2$'));

    const r = await runCli(['verify', first as string, '--repair', '--dest', dest, '--source', src]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`(from snapshot ${second})`);
    expect(await mismatches()).toEqual([]);
  });

  it('names what it could not heal and exits 3 when no good copy is left', async () => {
    writeTree(src, { 'ANIMAL.V2$': 'animal records '.repeat(200), 'CLIENT.V2$': 'clients' });
    await backup();
    const [id] = snapshotIds();
    writeFileSync(path.join(src, 'ANIMAL.V2$'), 'AVImark rewrote this table since');
    flipByte(path.join(dest, 'snapshots', id as string, 'ANIMAL.V2$'));

    const r = await runCli(['verify', '--all', '--repair', '--dest', dest, '--source', src]);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain(`UNRECOVERABLE ${id} ANIMAL.V2$`);
    expect(r.stdout).toContain('could not be healed');
    const record = JSON.parse(readFileSync(path.join(dest, 'meta', id as string, 'verify.json'), 'utf8'));
    expect(record.ok).toBe(false);
    expect(record.repair.unrecoverable.map((u: { path: string }) => u.path)).toEqual(['ANIMAL.V2$']);
  });
});

describe('rolling scrub in the nightly verification', () => {
  it('a backup with a config re-reads a slice, shows the coverage, records it and the report shows it', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i += 1) files[`T${i}.V2$`] = `table ${i} `.repeat(100 * (i + 1));
    writeTree(src, files);
    const config = path.join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        source: src,
        destination: dest,
        stateDir: path.join(dir, 'state'),
        alerts: { eventLog: { enabled: false } },
        verify: { after: 'copied', scrubDays: 7 },
      }),
    );
    const first = await runCli(['backup', '--config', config, '--no-lockout'], { cwd: dir });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // Everything was copied and verified tonight: the whole store counts as re-hashed.
    expect(first.stdout).toMatch(/scrub: +\d+ file\(s\) re-read tonight; 100% of the store/);
    writeFileSync(path.join(src, 'T0.V2$'), 'changed');
    const second = await runCli(['backup', '--config', config, '--no-lockout', '--json'], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary.scrub.coverage).toMatchObject({ files: 11, filesCovered: 11, percent: 100 });
    const id = snapshotIds()[1] as string;
    const record = JSON.parse(readFileSync(path.join(dest, 'meta', id, 'verify.json'), 'utf8'));
    expect(record.scrub).toMatchObject({ scrubDays: 7, files: 11, filesCovered: 11, percent: 100 });
    expect(
      readFileSync(path.join(dest, 'meta', 'scrub-state.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(11);
    const status = await runCli(['status', '--config', config]);
    expect(status.stdout).toContain(
      'Rolling scrub: 100% of the stored data (11 of 11 files) re-hashed within the last 7 days',
    );
    const out = path.join(dir, 'report.html');
    const report = await runCli(['report', '--out', out, '--dest', dest]);
    expect(report.code, report.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<h2>Rolling scrub</h2>');
    expect(html).toContain('(11 of 11 files) re-hashed within the last 7 days');
    expect(html).toContain('Oldest: <code>');
  });
});
