import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collect, runCli, startCli, tempDir } from '../helpers/cli';
import { bundlePath } from '../helpers/pwsh';
import { hashWalk, inodeOf, pseudoRandom, writeTree } from '../helpers/tree';

let dir: string;
let cleanup: () => Promise<void>;
let src: string;
let dest: string;

beforeAll(() => {
  if (!existsSync(bundlePath)) throw new Error(`build the bundle first: node build.mjs --bundle-only (${bundlePath})`);
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-e2e-backup-'));
  src = path.join(dir, 'AVImark');
  dest = path.join(dir, 'store');
});
afterEach(async () => cleanup());

interface Summary {
  snapshotId: string;
  filesTotal: number;
  filesCopied: number;
  filesLinked: number;
  bytesCopied: number;
  durationSeconds: number;
  offlineSeconds: number | null;
  resumed: boolean;
  warnings: string[];
  filesCopiedThisRun: number;
}

async function backup(...extra: string[]): Promise<Summary> {
  const r = await runCli(['backup', '--source', src, '--dest', dest, '--no-lockout', '--json', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Summary;
}

/** Independent oracle: GNU diff, not following links. */
function diffTrees(a: string, b: string): string {
  try {
    return execFileSync('diff', ['-r', '--no-dereference', a, b], { encoding: 'utf8' });
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

describe('avimark-backup backup (end to end, built bundle)', () => {
  it('first and incremental runs: JSON summary, hard links for unchanged files, exact copies', async () => {
    writeTree(src, { 'CLIENT.V2$': 'c1', 'ANIMAL.V2$': 'a1', 'Sub Dir/ÄÖ $`x`.txt': 'odd', 'empty/': '', zero: '' });
    const first = await backup();
    expect(first).toMatchObject({
      filesTotal: 4,
      filesCopied: 4,
      filesLinked: 0,
      offlineSeconds: null,
      resumed: false,
      warnings: [],
    });
    expect(typeof first.durationSeconds).toBe('number');
    writeFileSync(path.join(src, 'CLIENT.V2$'), 'c2 changed');
    const second = await backup();
    expect(second).toMatchObject({ filesTotal: 4, filesCopied: 1, filesLinked: 3, bytesCopied: 10 });
    const a = path.join(dest, 'snapshots', first.snapshotId);
    const b = path.join(dest, 'snapshots', second.snapshotId);
    expect(diffTrees(src, b)).toBe('');
    expect(inodeOf(path.join(b, 'ANIMAL.V2$'))).toBe(inodeOf(path.join(a, 'ANIMAL.V2$')));
    expect(inodeOf(path.join(b, 'CLIENT.V2$'))).not.toBe(inodeOf(path.join(a, 'CLIENT.V2$')));
    expect(readFileSync(path.join(a, 'CLIENT.V2$'), 'utf8')).toBe('c1');
    expect(lstatSync(path.join(dest, 'latest')).isSymbolicLink()).toBe(true);
    expect(readdirSync(path.join(dest, 'meta', second.snapshotId)).sort()).toEqual(['manifest.jsonl', 'run.json']);
  });

  it('prints a readable summary without --json', async () => {
    writeTree(src, { 'a.txt': 'a' });
    const r = await runCli(['backup', '--source', src, '--dest', dest, '--no-lockout']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Snapshot \d{4}-\d{2}-\d{2}_\d{6} is complete\./);
    expect(r.stdout).toContain('1 copied');
  });

  it('refuses bad folders with exit 2 and creates nothing', async () => {
    writeTree(src, { 'a.txt': 'a' });
    const cases: [string[], RegExp][] = [
      [['--source', path.join(dir, 'nope'), '--dest', dest], /does not exist/],
      [['--source', src, '--dest', path.join(src, 'backups')], /inside/],
      [['--source', src, '--dest', src], /same folder/],
      [['--source', src, '--dest', dir], /contains source|inside the destination/],
      [['--source', path.join(src, 'a.txt'), '--dest', dest], /not a folder/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['backup', ...args, '--no-lockout']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(src)).toEqual(['a.txt']);
    expect(readdirSync(dir).sort()).toEqual(['AVImark']);
  });

  it('refuses a lockout backup without a config file (exit 2)', async () => {
    writeTree(src, { 'a.txt': 'a' });
    const r = await runCli(['backup', '--source', src, '--dest', dest, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { exitCode: 2 } });
    expect(r.stderr).toMatch(/needs a configuration file/);
    expect(existsSync(dest)).toBe(false);
  });

  it('--dry-run lists what would happen and changes nothing', async () => {
    writeTree(src, { 'a.txt': 'a', 'b.txt': 'b' });
    let r = await runCli(['backup', '--source', src, '--dest', dest, '--no-lockout', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('copy  a.txt');
    expect(existsSync(dest)).toBe(false);
    await backup();
    writeFileSync(path.join(src, 'b.txt'), 'bb');
    const before = hashWalk(dest);
    r = await runCli(['backup', '--source', src, '--dest', dest, '--no-lockout', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { copy: { path: string }[]; link: string[] };
    expect(report.copy.map((c) => c.path)).toEqual(['b.txt']);
    expect(report.link).toEqual(['a.txt']);
    expect(hashWalk(dest)).toEqual(before);
  });

  it('--dry-run meets a damaged previous manifest as a real run does: those files copied, with a warning', async () => {
    writeTree(src, { 'a.txt': 'a', 'b.txt': 'b' });
    await backup();
    const [id] = readdirSync(path.join(dest, 'snapshots'));
    const manifest = path.join(dest, 'meta', id, 'manifest.jsonl');
    const lines = readFileSync(manifest, 'utf8').split('\n');
    lines[1] = '{"path": damaged';
    chmodSync(manifest, 0o644);
    writeFileSync(manifest, lines.join('\n'));
    const r = await runCli(['backup', '--source', src, '--dest', dest, '--no-lockout', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { copy: { path: string }[]; link: string[]; warnings: string[] };
    expect(report.copy.map((c) => c.path)).toEqual(['a.txt', 'b.txt']);
    expect(report.link).toEqual([]);
    expect(report.warnings).toEqual([
      expect.stringMatching(/is damaged .*line 2.*the files from "a\.txt" on are copied/),
    ]);
  });

  it('kill -9 mid-run, then the next run resumes: finished files are not copied again and the result is exact', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 600; i += 1) files[`d${i % 10}/f${i}.dat`] = pseudoRandom(8192 + (i % 7) * 1000, i + 1);
    writeTree(src, files);
    const config = path.join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ source: src, destination: dest, stateDir: path.join(dir, 'state'), engine: { concurrency: 1 } }),
    );
    const child = startCli(['backup', '--config', config, '--no-lockout', '--json']);
    const done = collect(child, 120_000);
    // Kill once the checkpoint shows real progress.
    let journal = '';
    const deadline = Date.now() + 60_000;
    for (;;) {
      const stateDir = existsSync(path.join(dest, 'in-progress'))
        ? readdirSync(path.join(dest, 'in-progress')).find((n) => n.endsWith('.state'))
        : undefined;
      const file = stateDir ? path.join(dest, 'in-progress', stateDir, 'journal.jsonl') : '';
      journal = file && existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (journal.split('\n').length > 120) break;
      if (Date.now() > deadline) throw new Error('no checkpoint progress');
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const id = readdirSync(path.join(dest, 'in-progress')).find((n) => !n.endsWith('.state'));
    expect(id).toBeDefined();
    expect(readdirSync(path.join(dest, 'snapshots'))).toEqual([]);
    // Inodes of files the checkpoint recorded as copied before the kill.
    const finished = journal
      .split('\n')
      .slice(0, -1)
      .map((l) => JSON.parse(l) as { t: string; how?: string; e?: { path: string } })
      .filter((r) => r.t === 'done' && r.how === 'copy')
      .map((r) => r.e!.path)
      .slice(0, 50);
    expect(finished.length).toBeGreaterThan(20);
    const inodes = new Map(finished.map((p) => [p, inodeOf(path.join(dest, 'in-progress', id!, p))]));

    const r = await runCli(['backup', '--config', config, '--no-lockout', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as Summary;
    expect(summary).toMatchObject({ snapshotId: id, resumed: true, filesTotal: 600 });
    expect(summary.filesCopiedThisRun).toBeLessThanOrEqual(600 - finished.length);
    for (const [p, ino] of inodes) expect(inodeOf(path.join(dest, 'snapshots', id!, p))).toBe(ino);
    expect(diffTrees(src, path.join(dest, 'snapshots', id!))).toBe('');
    expect(readdirSync(path.join(dest, 'in-progress'))).toEqual([]);
  }, 180_000);

  it('Ctrl+C (SIGINT) stops promptly with exit 1, leaves a resumable partial and releases the lock', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 400; i += 1) files[`f${i}.dat`] = pseudoRandom(8192, i + 1);
    writeTree(src, files);
    const child = startCli(['backup', '--source', src, '--dest', dest, '--no-lockout']);
    const done = collect(child, 60_000);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const names = existsSync(path.join(dest, 'in-progress')) ? readdirSync(path.join(dest, 'in-progress')) : [];
      const state = names.find((n) => n.endsWith('.state'));
      const journal = state ? path.join(dest, 'in-progress', state, 'journal.jsonl') : '';
      if (journal && existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 20) break;
      if (Date.now() > deadline) throw new Error('no progress');
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/interrupted; the partial snapshot .* will be resumed/);
    expect(existsSync(path.join(dest, 'lock'))).toBe(false);
    expect(readdirSync(path.join(dest, 'snapshots'))).toEqual([]);
    const second = await backup();
    expect(second.resumed).toBe(true);
    expect(diffTrees(src, path.join(dest, 'snapshots', second.snapshotId))).toBe('');
  }, 120_000);

  it('kill -9 in the middle of a large file: the next run continues it from the last checkpoint', async () => {
    const big = pseudoRandom(160 << 20, 4242);
    writeTree(src, { 'AVImark.db$': big, 'small.txt': 'small' });
    const config = path.join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        source: src,
        destination: dest,
        stateDir: path.join(dir, 'state'),
        engine: { largeFileBytes: 1 << 20 },
      }),
    );
    const child = startCli(['backup', '--config', config, '--no-lockout', '--json']);
    const done = collect(child, 120_000);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const names = existsSync(path.join(dest, 'in-progress')) ? readdirSync(path.join(dest, 'in-progress')) : [];
      const state = names.find((n) => n.endsWith('.state'));
      const journal = state ? path.join(dest, 'in-progress', state, 'journal.jsonl') : '';
      if (journal && existsSync(journal) && readFileSync(journal, 'utf8').includes('"t":"part"')) break;
      if (Date.now() > deadline) throw new Error('no large-file checkpoint appeared');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const r = await runCli(['backup', '--config', config, '--no-lockout', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as Summary;
    expect(summary.resumed).toBe(true);
    expect(summary.bytesCopied).toBeLessThanOrEqual(big.length - (32 << 20) + 5); // at least one 32 MiB checkpoint reused
    expect(diffTrees(src, path.join(dest, 'snapshots', summary.snapshotId))).toBe('');
  }, 180_000);
});
