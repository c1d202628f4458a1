import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupInterruptedError, openSnapshot, runBackup, skipFilesInUse } from '../../../src/engine/backup';
import { UnstableFileError } from '../../../src/engine/file-saver';
import { RunFailedError, UsageError } from '../../../src/errors';
import { createFaultyFs } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import { silentLogger } from '../../../src/log/logger';
import { listSnapshots } from '../../../src/store/snapshots';
import { openManifest } from '../../../src/store/manifest';
import { tempDir } from '../../helpers/cli';
import { hookHandle, withoutSyncIo } from '../../helpers/handle';
import { engineConfig, hashWalk, inodeOf, pseudoRandom, writeTree } from '../../helpers/tree';

const readManifestEntries = async (fs: FileSystem, file: string) => (await openManifest(fs, file)).entries;

const log = silentLogger();
let dir: string;
let cleanup: () => Promise<void>;
let src: string;
let dest: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-engine-'));
  src = path.join(dir, 'AVImark');
  dest = path.join(dir, 'backups');
});
afterEach(async () => cleanup());

/** Distinct ids even when two runs start in the same second. */
function clock(start = new Date(2026, 10, 26, 2, 0, 0)): () => Date {
  let t = start.getTime();
  return () => new Date((t += 1000));
}

const snapDir = (id: string) => path.join(dest, 'snapshots', id);

describe('backup engine', () => {
  it('first run copies everything; second run hard-links unchanged files and copies changed ones', async () => {
    writeTree(src, {
      'CLIENT.V2$': 'clients v1',
      'ANIMAL.V2$': 'animals',
      'sub/TREAT.V2$': 'treatments',
      'empty/': '',
      'zero.dat': '',
    });
    const now = clock();
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    expect(first.record).toMatchObject({
      filesTotal: 4,
      filesCopied: 4,
      filesLinked: 0,
      resumed: false,
      offlineSeconds: null,
    });
    expect(hashWalk(snapDir(first.record.snapshotId))).toEqual(hashWalk(src));

    writeFileSync(path.join(src, 'CLIENT.V2$'), 'clients v2, longer');
    writeFileSync(path.join(src, 'new.txt'), 'new');
    const second = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    expect(second.record).toMatchObject({ filesTotal: 5, filesCopied: 2, filesLinked: 3 });
    const a = snapDir(first.record.snapshotId);
    const b = snapDir(second.record.snapshotId);
    expect(hashWalk(b)).toEqual(hashWalk(src));
    expect(inodeOf(path.join(b, 'ANIMAL.V2$'))).toBe(inodeOf(path.join(a, 'ANIMAL.V2$')));
    expect(inodeOf(path.join(b, 'sub/TREAT.V2$'))).toBe(inodeOf(path.join(a, 'sub/TREAT.V2$')));
    expect(inodeOf(path.join(b, 'CLIENT.V2$'))).not.toBe(inodeOf(path.join(a, 'CLIENT.V2$')));
    // Files are read-only; the store lists both, and latest points at the second.
    expect(statSync(path.join(b, 'CLIENT.V2$')).mode & 0o222).toBe(0);
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual([first.record.snapshotId, second.record.snapshotId]);
    expect(readFileSync(path.join(dest, 'latest', 'CLIENT.V2$'), 'utf8')).toBe('clients v2, longer');
    expect(readdirSync(path.join(dest, 'in-progress'))).toEqual([]);
    expect(existsSync(path.join(dest, 'lock'))).toBe(false);
    // The manifest has a SHA-256 per file and the modification time at full precision.
    const entries = [];
    for await (const e of await readManifestEntries(
      localFs,
      path.join(dest, 'meta', second.record.snapshotId, 'manifest.jsonl'),
    ))
      entries.push(e);
    const client = entries.find((e) => e.path === 'CLIENT.V2$');
    expect(client?.mtimeNs).toBe(statSync(path.join(src, 'CLIENT.V2$'), { bigint: true }).mtimeNs.toString());
    expect(entries.map((e) => e.path)).toContain('empty');
    // The run record keeps the manifest's size, which listing the store checks instead of counting its lines.
    const manifestSize = statSync(path.join(dest, 'meta', second.record.snapshotId, 'manifest.jsonl')).size;
    expect(second.record.manifestBytes).toBe(manifestSize);
    const stored = JSON.parse(readFileSync(path.join(dest, 'meta', second.record.snapshotId, 'run.json'), 'utf8'));
    expect(stored.manifestBytes).toBe(manifestSize);
  });

  it('never changes earlier snapshots, even when the source changes and files are deleted', async () => {
    writeTree(src, { 'a.dat': 'aaa', 'b.dat': 'bbb', 'd/c.dat': 'ccc' });
    const now = clock();
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    const before = hashWalk(snapDir(first.record.snapshotId));
    const manifestBefore = readFileSync(path.join(dest, 'meta', first.record.snapshotId, 'manifest.jsonl'), 'utf8');
    writeFileSync(path.join(src, 'a.dat'), 'AAAA');
    unlinkSync(path.join(src, 'b.dat'));
    rmSync(path.join(src, 'd'), { recursive: true });
    writeFileSync(path.join(src, 'd'), 'now a file');
    const second = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    expect(hashWalk(snapDir(second.record.snapshotId))).toEqual(hashWalk(src));
    expect(hashWalk(snapDir(first.record.snapshotId))).toEqual(before);
    expect(readFileSync(path.join(dest, 'meta', first.record.snapshotId, 'manifest.jsonl'), 'utf8')).toBe(
      manifestBefore,
    );
  });

  it('keeps odd names, deep trees, paths over 260 characters, empty folders, zero-byte files and symlinks', async () => {
    const deep = Array.from({ length: 12 }, (_, i) => `folder-number-${i}-with-a-long-name`).join('/');
    expect(deep.length).toBeGreaterThan(260);
    writeTree(src, {
      'name with spaces.txt': 'spaces',
      'dollar$and$more$.V2$': 'dollars',
      'quote\'s "double" `back`.txt': 'quotes',
      'ÄÖÜ ñ 日本語 😀.txt': 'unicode',
      [`${deep}/leaf.txt`]: 'deep',
      'empty/nested/': '',
      zero: '',
    });
    const { symlinkSync } = await import('node:fs');
    symlinkSync('name with spaces.txt', path.join(src, 'a link'));
    symlinkSync('/nonexistent/target', path.join(src, 'dangling'));
    const { record } = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
    expect(record.warnings).toEqual([]);
  });

  it('hashes by content with checksum: same size and time but new content is copied', async () => {
    writeTree(src, { 'f.dat': 'aaaa', 'g.dat': 'same' });
    const now = clock();
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    const mtime = statSync(path.join(src, 'f.dat')).mtime;
    writeFileSync(path.join(src, 'f.dat'), 'bbbb');
    utimesSync(path.join(src, 'f.dat'), mtime, mtime); // a change size+mtime cannot see (and ns precision lost)
    const second = await runBackup({ source: src, dest, engine: engineConfig(), log, now, checksum: true });
    expect(readFileSync(path.join(snapDir(second.record.snapshotId), 'f.dat'), 'utf8')).toBe('bbbb');
    expect(inodeOf(path.join(snapDir(second.record.snapshotId), 'g.dat'))).toBe(
      inodeOf(path.join(snapDir(first.record.snapshotId), 'g.dat')),
    );
  });

  it('refuses overlapping or missing folders before creating anything', async () => {
    writeTree(src, { 'a.txt': 'a' });
    const cases: [string, string][] = [
      [path.join(dir, 'missing'), dest],
      [path.join(src, 'a.txt'), dest],
      [src, path.join(src, 'backups')],
      [src, src],
      [path.join(dir, 'outer', 'AVImark'), path.join(dir, 'outer')],
    ];
    writeTree(path.join(dir, 'outer', 'AVImark'), { 'x.txt': 'x' });
    // A symlink must not hide an overlap: dest reached through a link that points into the source.
    const { symlinkSync } = await import('node:fs');
    symlinkSync(src, path.join(dir, 'alias'));
    cases.push([src, path.join(dir, 'alias', 'backups')]);
    for (const [s, d] of cases) {
      await expect(runBackup({ source: s, dest: d, engine: engineConfig(), log })).rejects.toBeInstanceOf(UsageError);
    }
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(path.join(src, 'backups'))).toBe(false);
    expect(readdirSync(path.join(dir, 'outer'))).toEqual(['AVImark']);
    expect(readdirSync(src)).toEqual(['a.txt']);
  });

  it('reads through a shadow-mapped FileSystem (VSS) while recording the live folder', async () => {
    const shadow = path.join(dir, 'shadow-copy');
    writeTree(shadow, { 'CLIENT.V2$': 'frozen', 'sub/x.dat': 'x' });
    await mkdir(src, { recursive: true }); // the live folder (its content is not what gets read)
    writeFileSync(path.join(src, 'CLIENT.V2$'), 'live, being written');
    const { createShadowFs } = await import('../../../src/fs/shadow');
    const snap = await openSnapshot({ dest, log, now: clock() });
    try {
      await snap.sync({ sourceRoot: src, sourceFs: createShadowFs(localFs, src, shadow), engine: engineConfig() });
      const record = await snap.commit({ mode: 'vss', offlineSeconds: 2, lockoutSteps: [], warnings: [] });
      expect(record.source).toBe(src);
      expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(shadow));
    } finally {
      await snap.release();
    }
  });

  it.skipIf(process.platform === 'win32')(
    'reads a source on a network share (a UNC-shaped path) through the thread pool only, checksums included',
    async () => {
      writeTree(src, {
        'CLIENT.V2$': pseudoRandom(3000, 1),
        'docs/a.rtf': 'letter',
        'big.dat': pseudoRandom(3 << 20, 2),
      });
      const far = `/${src}`; // "//…": POSIX reads it as the same folder, near-path as a share
      const sourceFs = withoutSyncIo(localFs);
      const backUp = async (sourceRoot: string, checksum: boolean) => {
        const snap = await openSnapshot({ dest, log, now: clock(new Date(2026, 10, 26, checksum ? 3 : 2)) });
        try {
          await snap.sync({ sourceRoot, sourceFs, engine: engineConfig(), checksum });
          return await snap.commit({ mode: 'offline', offlineSeconds: 1, lockoutSteps: [], warnings: [] });
        } finally {
          await snap.release();
        }
      };
      const first = await backUp(far, false);
      expect(hashWalk(snapDir(first.snapshotId))).toEqual(hashWalk(src));
      // --checksum hashes every unchanged file before linking it.
      const second = await backUp(far, true);
      expect(inodeOf(path.join(snapDir(second.snapshotId), 'docs/a.rtf'))).toBe(
        inodeOf(path.join(snapDir(first.snapshotId), 'docs/a.rtf')),
      );
      // The same source as a local path does make synchronous calls (the double above refuses them).
      writeFileSync(path.join(src, 'docs/b.rtf'), 'a new letter');
      await expect(backUp(src, false)).rejects.toThrow(/synchronous call/);
    },
  );

  it('refuses a destination that is a non-empty folder of something else', async () => {
    writeTree(src, { 'a.txt': 'a' });
    writeTree(dest, { 'my documents.docx': 'precious' });
    await expect(runBackup({ source: src, dest, engine: engineConfig(), log })).rejects.toBeInstanceOf(UsageError);
    expect(readdirSync(dest)).toEqual(['my documents.docx']);
  });

  it('retries through transient faults and produces an exact snapshot', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i += 1) files[`d${i % 4}/f${i}.dat`] = pseudoRandom(10_000 + i * 997, i + 1);
    writeTree(src, files);
    const faulty = createFaultyFs(localFs, {
      seed: 42,
      // Faults on source files and on the snapshot's own files (not on the store's bookkeeping).
      rules: [
        { code: 'EBUSY', ops: ['open'], rate: 0.2, path: src },
        { code: 'EIO', ops: ['handle.read'], rate: 0.05, path: src },
        { code: 'ETIMEDOUT', ops: ['handle.stat'], rate: 0.05, path: src },
        { code: 'EBUSY', ops: ['opendir', 'lstat'], rate: 0.1, path: src },
        { code: 'EAGAIN', ops: ['handle.write', 'link', 'chmod'], rate: 0.05, path: /in-progress\/[0-9_-]+\// },
      ],
    });
    // About half the attempts at a file meet a fault here: over 150 seeds the longest run of failed attempts
    // at one file reached 9, so 10 retries failed about one run in a thousand. 30 make that ~1e-12.
    const { record } = await runBackup({
      source: src,
      dest,
      engine: engineConfig({ retries: 30, retryMaxTimeMs: 120_000 }),
      log,
      sourceFs: faulty.fs,
      destFs: faulty.fs,
      now: clock(),
    });
    expect(faulty.injected.length).toBeGreaterThan(5);
    expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
    // The manifest hashes are those of the source (no torn copy passed).
    for await (const e of await readManifestEntries(
      localFs,
      path.join(dest, 'meta', record.snapshotId, 'manifest.jsonl'),
    )) {
      if (e.type === 'file') expect(`${e.sha256}:${e.size}`).toBe(hashWalk(src).get(e.path));
    }
  });

  it('fails naming the file on a persistent fault and commits nothing; the next run completes', async () => {
    writeTree(src, { 'ok1.dat': 'one', 'bad/PATIENT.V2$': 'two', 'ok2.dat': 'three' });
    const faulty = createFaultyFs(localFs, { rules: [{ code: 'EIO', ops: ['handle.read'], path: 'PATIENT.V2$' }] });
    const attempt = runBackup({
      source: src,
      dest,
      engine: engineConfig({ retries: 2 }),
      log,
      sourceFs: faulty.fs,
      now: clock(),
    });
    await expect(attempt).rejects.toBeInstanceOf(RunFailedError);
    await expect(attempt).rejects.toThrow(/bad\/PATIENT\.V2\$.*input\/output error/);
    expect(await listSnapshots(dest)).toEqual([]);
    expect(existsSync(path.join(dest, 'latest'))).toBe(false);
    expect(existsSync(path.join(dest, 'lock'))).toBe(false);
    const { record } = await runBackup({
      source: src,
      dest,
      engine: engineConfig(),
      log,
      now: clock(new Date(2026, 10, 27)),
    });
    expect(record.resumed).toBe(true);
    expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
  });

  it('a full destination fails the run at once (no retries), naming the file and the reason', async () => {
    writeTree(src, { 'a.dat': 'a', 'b.dat': 'b' });
    const full = createFaultyFs(localFs, {
      rules: [{ code: 'ENOSPC', ops: ['handle.write'], path: /in-progress\/[0-9_-]+\/b\.dat/ }],
    });
    const attempt = runBackup({ source: src, dest, engine: engineConfig(), log, destFs: full.fs, now: clock() });
    await expect(attempt).rejects.toThrow(/cannot back up "b\.dat": the destination is full \(ENOSPC\)/);
    expect(full.injected).toHaveLength(1);
    expect(await listSnapshots(dest)).toEqual([]);
  });

  it('a crash before the commit rename leaves a resumable partial that is never listed; the next run commits it', async () => {
    writeTree(src, { 'a.dat': 'a', 'b/c.dat': 'c' });
    // The rename in-progress/<id> → snapshots/<id> fails every time (as if the process died right there).
    const noRename = createFaultyFs(localFs, {
      rules: [{ code: 'EROFS', ops: ['rename'], path: /in-progress\/[0-9_-]+$/ }],
    });
    await expect(
      runBackup({ source: src, dest, engine: engineConfig(), log, destFs: noRename.fs, now: clock() }),
    ).rejects.toThrow(/could not commit snapshot .*EROFS/);
    const id = readdirSync(path.join(dest, 'in-progress')).find((n) => !n.endsWith('.state'))!;
    expect(existsSync(path.join(dest, 'meta', id, 'manifest.jsonl'))).toBe(true); // written, but the folder is not there
    expect(await listSnapshots(dest)).toEqual([]);
    const { record } = await runBackup({
      source: src,
      dest,
      engine: engineConfig(),
      log,
      now: clock(new Date(2027, 0, 1)),
    });
    expect(record).toMatchObject({ snapshotId: id, resumed: true });
    expect(hashWalk(snapDir(id))).toEqual(hashWalk(src));
    expect(readdirSync(path.join(dest, 'meta', id)).sort()).toEqual(['manifest.jsonl', 'run.json']);
  });

  it('a crash after the rename leaves a complete snapshot; the next run finishes latest and the cleanup', async () => {
    writeTree(src, { 'a.dat': 'a' });
    const now = clock();
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    writeFileSync(path.join(src, 'a.dat'), 'a2');
    const noCleanup = createFaultyFs(localFs, {
      rules: [{ code: 'EIO', ops: ['rm', 'symlink'], path: /\.state$|latest\.tmp/ }],
    });
    const second = await runBackup({ source: src, dest, engine: engineConfig(), log, destFs: noCleanup.fs, now });
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual([first.record.snapshotId, second.record.snapshotId]);
    expect(readFileSync(path.join(dest, 'latest', 'a.dat'), 'utf8')).toBe('a'); // not yet updated
    expect(existsSync(path.join(dest, 'in-progress', `${second.record.snapshotId}.state`))).toBe(true);
    const third = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    expect(existsSync(path.join(dest, 'in-progress', `${second.record.snapshotId}.state`))).toBe(false);
    expect(third.record.filesLinked).toBe(1);
    expect(readFileSync(path.join(dest, 'latest', 'a.dat'), 'utf8')).toBe('a2');
  });

  it('an unreadable folder fails the run naming it', async () => {
    writeTree(src, { 'a.dat': 'a', 'locked/b.dat': 'b' });
    const denied = createFaultyFs(localFs, { rules: [{ code: 'EACCES', ops: ['opendir'], path: /locked$/ }] });
    await expect(
      runBackup({ source: src, dest, engine: engineConfig(), log, sourceFs: denied.fs, now: clock() }),
    ).rejects.toThrow(/the backup failed at ".*locked": access denied \(EACCES\)/);
  });

  it('a damaged previous manifest does not block backups: everything is copied, with a warning', async () => {
    writeTree(src, { 'a.dat': 'a', 'b.dat': 'b' });
    const now = clock();
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    const manifest = path.join(dest, 'meta', first.record.snapshotId, 'manifest.jsonl');
    const lines = readFileSync(manifest, 'utf8').split('\n');
    lines[1] = '{"path": damaged';
    chmodSync(manifest, 0o644);
    writeFileSync(manifest, lines.join('\n'));
    const second = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    expect(second.record).toMatchObject({ filesCopied: 2, filesLinked: 0 });
    expect(second.record.warnings.join('\n')).toMatch(/manifest of snapshot .* is damaged/);
    expect(hashWalk(snapDir(second.record.snapshotId))).toEqual(hashWalk(src));
  });

  it('a previous manifest damaged part way: the files before the damage are linked, the rest copied, with a warning', async () => {
    writeTree(src, { 'a.dat': 'a', 'b.dat': 'b', 'c.dat': 'c', 'd.dat': 'd' });
    const now = clock();
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    const manifest = path.join(dest, 'meta', first.record.snapshotId, 'manifest.jsonl');
    const lines = readFileSync(manifest, 'utf8').split('\n');
    expect(JSON.parse(lines[3]).path).toBe('c.dat');
    lines[3] = '{"path": damaged';
    chmodSync(manifest, 0o644);
    writeFileSync(manifest, lines.join('\n'));
    const second = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    expect(second.record).toMatchObject({ filesCopied: 2, filesLinked: 2 });
    expect(second.record.warnings.join('\n')).toMatch(/is damaged .*line 4.*; the files from "c\.dat" on are copied/);
    const stored = (id: string, rel: string) => inodeOf(path.join(snapDir(id), rel));
    expect(stored(second.record.snapshotId, 'b.dat')).toBe(stored(first.record.snapshotId, 'b.dat'));
    expect(stored(second.record.snapshotId, 'd.dat')).not.toBe(stored(first.record.snapshotId, 'd.dat'));
    expect(hashWalk(snapDir(second.record.snapshotId))).toEqual(hashWalk(src));
  });

  it('backs up an empty source folder', async () => {
    await mkdir(src, { recursive: true });
    const { record } = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    expect(record.filesTotal).toBe(0);
    expect(readdirSync(snapDir(record.snapshotId))).toEqual([]);
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual([record.snapshotId]);
  });

  it('falls back to copying when hard links fail, and says so once', async () => {
    writeTree(src, { 'a.dat': 'a', 'b.dat': 'b', 'c.dat': 'c' });
    const now = clock();
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    const noLinks = createFaultyFs(localFs, { rules: [{ code: 'EXDEV', ops: ['link'] }] });
    const second = await runBackup({ source: src, dest, engine: engineConfig(), log, now, destFs: noLinks.fs });
    expect(second.record.filesLinked).toBe(0);
    expect(second.record.filesCopied).toBe(3);
    expect(second.record.warnings.filter((w) => w.includes('hard links failed'))).toHaveLength(1);
    expect(hashWalk(snapDir(second.record.snapshotId))).toEqual(hashWalk(src));
    expect(inodeOf(path.join(snapDir(second.record.snapshotId), 'a.dat'))).not.toBe(
      inodeOf(path.join(snapDir(first.record.snapshotId), 'a.dat')),
    );
  });

  it('fails a file that keeps changing while it is read, naming it, and stores no torn copy', async () => {
    writeTree(src, { 'stable.dat': 'fine', 'busy.dat': pseudoRandom(3 << 20, 7) });
    // A source FileSystem whose reads of busy.dat append to it: its size moves during every copy.
    const { appendFileSync } = await import('node:fs');
    const changing = createChangingFs(path.join(src, 'busy.dat'), () =>
      appendFileSync(path.join(src, 'busy.dat'), 'x'),
    );
    const attempt = runBackup({
      source: src,
      dest,
      engine: engineConfig({ unstableRetries: 2 }),
      log,
      sourceFs: changing,
      now: clock(),
    });
    await expect(attempt).rejects.toBeInstanceOf(UnstableFileError);
    await expect(attempt).rejects.toThrow(/"busy\.dat" kept changing/);
    expect(await listSnapshots(dest)).toEqual([]);
    const partials = readdirSync(path.join(dest, 'in-progress')).filter((n) => !n.endsWith('.state'));
    expect(existsSync(path.join(dest, 'in-progress', partials[0], 'busy.dat'))).toBe(false);
  });

  it('sync() twice (presync): the second pass copies only what changed and removes what was deleted', async () => {
    writeTree(src, { 'a.dat': 'a', 'b.dat': 'b', 'gone/x.dat': 'x' });
    const snap = await openSnapshot({ dest, log, now: clock() });
    try {
      const one = await snap.sync({ sourceRoot: src, engine: engineConfig() });
      expect(one.filesCopied).toBe(3);
      writeFileSync(path.join(src, 'b.dat'), 'bb');
      rmSync(path.join(src, 'gone'), { recursive: true });
      const two = await snap.sync({ sourceRoot: src, engine: engineConfig() });
      expect(two).toMatchObject({ filesCopied: 1, filesKept: 1, removed: 2, filesTotal: 2 });
      const record = await snap.commit({
        mode: 'presync',
        offlineSeconds: 1.5,
        lockoutSteps: [{ step: 'stop service', seconds: 0.5 }],
        warnings: ['w'],
      });
      expect(record).toMatchObject({ mode: 'presync', offlineSeconds: 1.5, filesTotal: 2, warnings: ['w'] });
      expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
    } finally {
      await snap.release();
    }
  });

  it('sync() after a failed sync in the same process: the partial is looked up in its journal, and the snapshot is exact', async () => {
    writeTree(src, { 'a.dat': 'a', 'm/bad.dat': 'b', 'm/n.dat': 'n', 'z.dat': 'z', 'old/x.dat': 'x' });
    const snap = await openSnapshot({ dest, log, now: clock() });
    const stateDir = path.join(dest, 'in-progress', `${snap.id}.state`);
    const lists = () => readdirSync(stateDir).filter((n) => n.endsWith('.list'));
    try {
      expect((await snap.sync({ sourceRoot: src, engine: engineConfig() })).filesCopied).toBe(5);
      expect(lists()).toEqual(['sync-1.list']);
      writeFileSync(path.join(src, 'a.dat'), 'aa');
      rmSync(path.join(src, 'old'), { recursive: true });
      const faulty = createFaultyFs(localFs, { rules: [{ code: 'EIO', ops: ['handle.read'], path: 'bad.dat' }] });
      writeFileSync(path.join(src, 'm/bad.dat'), 'bb');
      await expect(
        snap.sync({ sourceRoot: src, sourceFs: faulty.fs, engine: engineConfig({ retries: 0 }) }),
      ).rejects.toThrow(/m\/bad\.dat/);
      expect(lists()).toEqual([]); // neither the failed sync's list nor the one before it is trusted now
      writeFileSync(path.join(src, 'z.dat'), 'zz');
      const three = await snap.sync({ sourceRoot: src, engine: engineConfig() });
      expect(three).toMatchObject({ filesTotal: 4, removed: 2 }); // old/ and old/x.dat: the failed sync stopped before removing them
      expect(lists()).toEqual(['sync-3.list']);
      const record = await snap.commit({ mode: 'presync', offlineSeconds: 0, lockoutSteps: [], warnings: [] });
      expect(record).toMatchObject({ filesTotal: 4, filesCopied: 4 });
      expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
      expect(existsSync(stateDir)).toBe(false);
    } finally {
      await snap.release();
    }
  });

  it('sync() again after folders became files and files became folders', async () => {
    writeTree(src, { 'x/inner.dat': 'i', y: 'file y', 'z/deep/q.dat': 'q' });
    const { symlinkSync } = await import('node:fs');
    symlinkSync('y', path.join(src, 'l'));
    const snap = await openSnapshot({ dest, log, now: clock() });
    try {
      await snap.sync({ sourceRoot: src, engine: engineConfig() });
      rmSync(path.join(src, 'x'), { recursive: true });
      writeFileSync(path.join(src, 'x'), 'now a file');
      unlinkSync(path.join(src, 'y'));
      writeTree(src, { 'y/child.dat': 'now a folder' });
      rmSync(path.join(src, 'z'), { recursive: true });
      unlinkSync(path.join(src, 'l'));
      writeFileSync(path.join(src, 'l'), 'link became a file');
      await snap.sync({ sourceRoot: src, engine: engineConfig() });
      const record = await snap.commit({ mode: 'presync', offlineSeconds: 0, lockoutSteps: [], warnings: [] });
      expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
    } finally {
      await snap.release();
    }
  });

  it('an abort leaves a resumable partial; the next run resumes it without copying finished files again', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 60; i += 1) files[`f${String(i).padStart(3, '0')}.dat`] = pseudoRandom(50_000, i + 1);
    writeTree(src, files);
    const controller = new AbortController();
    const snap = await openSnapshot({ dest, log, now: clock() });
    // Abort when the 21st file is opened: 20 are finished by then (one at a time), however fast the machine.
    let opened = 0;
    const abortingFs: typeof localFs = {
      ...localFs,
      open: (async (...args: Parameters<typeof localFs.open>) => {
        if (String(args[0]).startsWith(src)) {
          opened += 1;
          if (opened > 20) controller.abort();
        }
        return localFs.open(...args);
      }) as typeof localFs.open,
    };
    await expect(
      snap.sync({
        sourceRoot: src,
        sourceFs: abortingFs,
        engine: engineConfig({ concurrency: 1 }),
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(BackupInterruptedError);
    await expect(
      snap.commit({ mode: 'no-lockout', offlineSeconds: null, lockoutSteps: [], warnings: [] }),
    ).rejects.toThrow(/not in sync/);
    await snap.release();
    const partial = path.join(dest, 'in-progress', snap.id);
    const finishedInode = inodeOf(path.join(partial, 'f000.dat'));
    const { record, summary } = await runBackup({
      source: src,
      dest,
      engine: engineConfig(),
      log,
      now: clock(new Date(2027, 0, 1)),
    });
    expect(record.snapshotId).toBe(snap.id);
    expect(record.resumed).toBe(true);
    expect(summary.filesCopiedThisRun).toBeLessThanOrEqual(60 - 20);
    expect(record.filesCopied).toBe(60);
    expect(inodeOf(path.join(snapDir(record.snapshotId), 'f000.dat'))).toBe(finishedInode);
    expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
  });

  it('an online pass (skipFilesInUse, no re-reads) leaves files in use for the next pass, copies the rest, and cannot be committed alone', async () => {
    writeTree(src, { 'a.dat': 'a', 'moving.dat': pseudoRandom(1 << 20, 5), 'locked.dat': 'locked', 'c.dat': 'c' });
    const moving = path.join(src, 'moving.dat');
    let bumps = 0;
    // moving.dat changes under every read (AVImark writing); locked.dat cannot be opened (a sharing violation).
    const busy = createFaultyFs(localFs, {
      rules: [{ code: 'EBUSY', ops: ['open'], path: (p) => p.endsWith('locked.dat') }],
    });
    const inUse: FileSystem = {
      ...busy.fs,
      open: (async (p: string, flags?: string) => {
        const handle = await busy.fs.open(p, flags);
        if (p !== moving) return handle;
        return hookHandle(handle, 'read', {
          after: () => {
            bumps += 1;
            const when = new Date(Date.UTC(2026, 0, 1) + bumps * 1000);
            utimesSync(moving, when, when);
          },
        });
      }) as FileSystem['open'],
    };
    const snap = await openSnapshot({ dest, log, now: clock() });
    try {
      const online = await snap.sync({
        sourceRoot: src,
        sourceFs: inUse,
        engine: engineConfig({ retries: 1 }),
        onFileError: skipFilesInUse,
        unstableRetries: 0,
      });
      expect(online.filesSkipped).toBe(2);
      expect(online.filesCopied).toBe(2);
      expect(bumps).toBeLessThanOrEqual(2); // not re-read: one attempt (a 1 MiB file is one read, plus the end)
      const partial = path.join(dest, 'in-progress', snap.id);
      expect(readdirSync(partial).sort()).toEqual(['a.dat', 'c.dat']);
      await expect(snap.commit({ mode: 'presync', offlineSeconds: 0, lockoutSteps: [], warnings: [] })).rejects.toThrow(
        /left 2 file\(s\) in use/,
      );
      // Under lockout nothing changes any more: the catch-up copies just those two.
      const offline = await snap.sync({ sourceRoot: src, engine: engineConfig() });
      expect(offline.filesCopied).toBe(2);
      expect(offline.filesSkipped).toBe(0);
      const record = await snap.commit({ mode: 'presync', offlineSeconds: 0, lockoutSteps: [], warnings: [] });
      expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
    } finally {
      await snap.release();
    }
  });

  it('without an error policy, a file that keeps changing still fails the sync', async () => {
    writeTree(src, { 'a.dat': 'a' });
    const busy = createFaultyFs(localFs, {
      rules: [{ code: 'EBUSY', ops: ['open'], path: (p) => p.endsWith('a.dat') }],
    });
    const snap = await openSnapshot({ dest, log, now: clock() });
    try {
      await expect(
        snap.sync({ sourceRoot: src, sourceFs: busy.fs, engine: engineConfig({ retries: 1 }) }),
      ).rejects.toThrow(/a\.dat/);
    } finally {
      await snap.release();
    }
  });

  it('continues a large file mid-file after an interruption', async () => {
    const big = pseudoRandom(80 << 20, 99);
    writeTree(src, { 'big.dat': big, 'small.dat': 'small' });
    const controller = new AbortController();
    const engine = engineConfig({ largeFileBytes: 1 << 20, concurrency: 1 });
    const snap = await openSnapshot({ dest, log, now: clock() });
    // Interrupted once the copy of big.dat reads past 40 MiB (after its 32 MiB checkpoint).
    const interrupting: FileSystem = {
      ...localFs,
      open: (async (p: string, flags?: string) => {
        const handle = await localFs.open(p, flags);
        if (!p.endsWith('big.dat')) return handle;
        const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<unknown>;
        (handle as { read: unknown }).read = (...a: unknown[]) => {
          if (typeof a[3] === 'number' && a[3] >= 40 << 20) controller.abort();
          return read(...a);
        };
        return handle;
      }) as FileSystem['open'],
    };
    await expect(
      snap.sync({ sourceRoot: src, sourceFs: interrupting, engine, signal: controller.signal }),
    ).rejects.toBeInstanceOf(BackupInterruptedError);
    await snap.release();
    const journal = await readFile(path.join(dest, 'in-progress', `${snap.id}.state`, 'journal.jsonl'), 'utf8');
    expect(journal).toMatch(/"t":"part","p":"big.dat","off":33554432/);
    const { record } = await runBackup({ source: src, dest, engine, log, now: clock(new Date(2027, 0, 1)) });
    expect(record.resumed).toBe(true);
    expect(record.bytesCopied).toBeLessThan(big.length); // continued from the 32 MiB checkpoint, not from zero
    expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
  });

  it('a resumed partial whose source changed meanwhile ends up equal to the new source', async () => {
    writeTree(src, { 'a.dat': 'a1', 'b.dat': 'b1', 'c.dat': 'c1' });
    const snap = await openSnapshot({ dest, log, now: clock() });
    await snap.sync({ sourceRoot: src, engine: engineConfig() });
    await snap.release(); // "killed" after a full pass but before commit
    writeFileSync(path.join(src, 'a.dat'), 'a2 changed');
    unlinkSync(path.join(src, 'b.dat'));
    // A stray the checkpoint does not know (a copy torn by the kill) must not survive into the snapshot.
    writeFileSync(path.join(dest, 'in-progress', snap.id, 'torn.tmp'), 'half');
    const { record } = await runBackup({
      source: src,
      dest,
      engine: engineConfig(),
      log,
      now: clock(new Date(2027, 0, 1)),
    });
    expect(record.snapshotId).toBe(snap.id);
    expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
  });

  it('an altered checkpoint journal: its record is never acted on, the rest is redone, the run says so', async () => {
    writeTree(src, { 'a.dat': 'a1', 'b.dat': 'b1', 'c.dat': 'c1' });
    const snap = await openSnapshot({ dest, log, now: clock() });
    await snap.sync({ sourceRoot: src, engine: engineConfig() });
    await snap.release(); // "killed" after a full pass but before commit
    // A file beside the store that an altered record names as done: the run removes done paths the source lacks.
    const outside = path.join(dest, '..', 'outside.txt');
    writeFileSync(outside, 'not ours');
    const journal = path.join(dest, 'in-progress', `${snap.id}.state`, 'journal.jsonl');
    const lines = readFileSync(journal, 'utf8').trimEnd().split('\n');
    const entry = { path: '../../../outside.txt', type: 'file', size: 8, mtimeNs: '1', sha256: null };
    lines.splice(
      1,
      0,
      JSON.stringify({ t: 'done', how: 'copy', e: { ...entry, attributes: { mode: 420, readonly: false } } }),
    );
    writeFileSync(journal, `${lines.join('\n')}\n`);
    unlinkSync(path.join(src, 'c.dat')); // so the run removes what is gone

    const { record } = await runBackup({
      source: src,
      dest,
      engine: engineConfig(),
      log,
      now: clock(new Date(2027, 0, 1)),
    });
    expect(record.resumed).toBe(true);
    expect(readFileSync(outside, 'utf8')).toBe('not ours');
    expect(
      record.warnings.some((w) => /journal of .* could not have written \(line 2: damaged or altered\)/.test(w)),
    ).toBe(true);
    expect(hashWalk(snapDir(record.snapshotId))).toEqual(hashWalk(src));
  });

  it('a second backup while one holds the store lock fails naming the holder', async () => {
    writeTree(src, { 'a.dat': 'a' });
    const snap = await openSnapshot({ dest, log, now: clock() });
    try {
      await expect(runBackup({ source: src, dest, engine: engineConfig(), log })).rejects.toThrow(
        new RegExp(`another backup \\(pid ${process.pid}, started`),
      );
    } finally {
      await snap.release();
    }
  });

  it('skips special files with a warning', async () => {
    writeTree(src, { 'a.dat': 'a' });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(src, 'pipe')]);
    const { record } = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    expect(record.warnings.some((w) => w.includes('"pipe"'))).toBe(true);
    expect(readdirSync(snapDir(record.snapshotId))).toEqual(['a.dat']);
  });

  it('honours engine.exclude', async () => {
    writeTree(src, { 'a.dat': 'a', 'Backup/old.zip': 'zip', 'Backupnot.dat': 'kept' });
    const { record } = await runBackup({
      source: src,
      dest,
      engine: engineConfig({ exclude: ['Backup'] }),
      log,
      now: clock(),
    });
    expect(readdirSync(snapDir(record.snapshotId)).sort()).toEqual(['Backupnot.dat', 'a.dat']);
  });

  it('reads a read-only source file and keeps its attributes in the manifest', async () => {
    writeTree(src, { 'ro.dat': 'r' });
    chmodSync(path.join(src, 'ro.dat'), 0o444);
    const { record } = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    for await (const e of await readManifestEntries(
      localFs,
      path.join(dest, 'meta', record.snapshotId, 'manifest.jsonl'),
    )) {
      if (e.path === 'ro.dat') expect(e.attributes).toEqual({ mode: 0o444, readonly: true });
    }
  });

  // SLOW (~10–30 s): reads a 4.1 GiB sparse file end to end. The only such test; the copy stays sparse.
  it('backs up a sparse file over 4 GiB (slow)', { timeout: 180_000 }, async () => {
    await mkdir(src, { recursive: true });
    const big = path.join(src, 'huge.dat');
    writeFileSync(big, 'head');
    truncateSync(big, Math.floor(4.1 * 1024 ** 3));
    const { record } = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    const copy = path.join(snapDir(record.snapshotId), 'huge.dat');
    const st = statSync(copy);
    expect(st.size).toBe(statSync(big).size);
    expect(st.blocks * 512).toBeLessThan(64 << 20); // holes kept as holes
    for await (const e of await readManifestEntries(
      localFs,
      path.join(dest, 'meta', record.snapshotId, 'manifest.jsonl'),
    )) {
      if (e.path === 'huge.dat') expect(e.size).toBe(st.size);
    }
  });
});

import type { FileSystem } from '../../../src/fs/types';

/** A local FileSystem whose handle reads of `target` run `mutate` first: the file changes while being read. */
function createChangingFs(target: string, mutate: () => void): FileSystem {
  return {
    ...localFs,
    open: (async (p: string, flags?: string) => {
      const handle = await localFs.open(p, flags);
      if (p !== target) return handle;
      return new Proxy(handle, {
        get(t, prop, r) {
          const v: unknown = Reflect.get(t, prop, r);
          if (typeof v !== 'function') return v;
          if (prop === 'read') {
            return (...args: unknown[]) => {
              mutate();
              return (v as (...a: unknown[]) => unknown).apply(t, args);
            };
          }
          return (v as (...a: unknown[]) => unknown).bind(t);
        },
      });
    }) as FileSystem['open'],
  };
}
