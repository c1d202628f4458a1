import { mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError, RunFailedError } from '../../../src/errors';
import { localFs } from '../../../src/fs/local';
import { compareSnapshotIds, formatSnapshotId, newSnapshotId, updateLatest } from '../../../src/store/layout';
import { acquireLockFile } from '../../../src/store/lock';
import { openManifest, writeManifest } from '../../../src/store/manifest';
import { isManifestComplete } from '../../../src/store/manifest-complete';
import { listSnapshots, resolveSnapshotId } from '../../../src/store/snapshots';
import { readRunRecord, writeRunRecord } from '../../../src/store/run-record';
import type { ManifestEntry, RunRecord } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-store-')));
afterEach(async () => cleanup());

const entry = (p: string): ManifestEntry => ({
  path: p,
  type: 'file',
  size: 3,
  mtimeNs: '1795669394240973987',
  sha256: 'ab',
  attributes: { mode: 0o644, readonly: false },
});
const header = (id: string) => ({
  format: 'avimark-backup-manifest' as const,
  version: 1 as const,
  snapshotId: id,
  source: '/s',
  createdAt: 'now',
});

async function fakeSnapshot(dest: string, id: string, n = 2): Promise<void> {
  mkdirSync(path.join(dest, 'snapshots', id), { recursive: true });
  mkdirSync(path.join(dest, 'meta', id), { recursive: true });
  const entries = Array.from({ length: n }, (_, i) => entry(`f${i}`));
  await writeManifest(localFs, path.join(dest, 'meta', id, 'manifest.jsonl'), header(id), entries, entries.length);
}

describe('snapshot ids', () => {
  it('formats local time as YYYY-MM-DD_HHMMSS', () => {
    expect(formatSnapshotId(new Date(2026, 10, 6, 2, 3, 4))).toBe('2026-11-06_020304');
  });
  it('orders collision suffixes numerically', () => {
    const ids = ['2026-11-26_020000_10', '2026-11-26_020000_2', '2026-11-26_020000', '2026-11-25_235959'];
    expect([...ids].sort(compareSnapshotIds)).toEqual([
      '2026-11-25_235959',
      '2026-11-26_020000',
      '2026-11-26_020000_2',
      '2026-11-26_020000_10',
    ]);
  });
  it('adds a suffix on collision and never goes below the newest id (clock stepped back)', async () => {
    const now = new Date(2026, 10, 26, 2, 0, 0);
    mkdirSync(path.join(dir, 'snapshots', '2026-11-26_020000'), { recursive: true });
    mkdirSync(path.join(dir, 'in-progress', '2026-11-26_020000_2'), { recursive: true });
    expect(await newSnapshotId(localFs, dir, now)).toBe('2026-11-26_020000_3');
    expect(await newSnapshotId(localFs, dir, new Date(2026, 10, 25), '2026-11-26_020000')).toBe('2026-11-26_020000_3');
  });
  it('replaces the latest link atomically', async () => {
    await updateLatest(localFs, dir, 'A');
    await updateLatest(localFs, dir, 'B');
    expect(readlinkSync(path.join(dir, 'latest'))).toBe(path.join('snapshots', 'B'));
  });
});

/** Every entry of a manifest, read to the end (so a count that disagrees throws). */
async function readAll(file: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for await (const e of (await openManifest(localFs, file)).entries) out.push(e);
  return out;
}

describe('manifest and listing', () => {
  it('round-trips entries and detects a truncated manifest', async () => {
    await fakeSnapshot(dir, '2026-11-26_020000', 3);
    const file = path.join(dir, 'meta', '2026-11-26_020000', 'manifest.jsonl');
    const { header: h, entries } = await openManifest(localFs, file);
    expect(h.entries).toBe(3);
    const paths: string[] = [];
    for await (const e of entries) paths.push(e.path);
    expect(paths).toEqual(['f0', 'f1', 'f2']);
    expect((await readAll(file))[1]?.mtimeNs).toBe('1795669394240973987');
    expect(await isManifestComplete(localFs, file)).toBe(true);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.lastIndexOf('{')));
    expect(await isManifestComplete(localFs, file)).toBe(false);
    await expect(readAll(file)).rejects.toThrow(/line 4 is not valid JSON/);
    writeFileSync(file, `${text.split('\n').slice(0, 3).join('\n')}\n`); // a whole line missing
    expect(await isManifestComplete(localFs, file)).toBe(false);
    await expect(readAll(file)).rejects.toThrow(/announces 3 entries but the file has 2/);
  });
  it('lists only complete snapshots, oldest first; partials and folders without a manifest are not listed', async () => {
    await fakeSnapshot(dir, '2026-11-26_020000');
    await fakeSnapshot(dir, '2026-11-25_020000');
    mkdirSync(path.join(dir, 'snapshots', '2026-11-27_020000'), { recursive: true }); // no manifest
    mkdirSync(path.join(dir, 'meta', '2026-11-28_020000'), { recursive: true }); // manifest dir, no snapshot
    await writeManifest(localFs, path.join(dir, 'meta', '2026-11-28_020000', 'manifest.jsonl'), header('x'), [], 0);
    mkdirSync(path.join(dir, 'in-progress', '2026-11-29_020000'), { recursive: true });
    expect((await listSnapshots(dir)).map((s) => s.id)).toEqual(['2026-11-25_020000', '2026-11-26_020000']);
    expect((await resolveSnapshotId(dir, 'latest')).id).toBe('2026-11-26_020000');
    await expect(resolveSnapshotId(dir, '2026-11-29_020000')).rejects.toThrow(UsageError);
    await expect(resolveSnapshotId(dir, '2026-11-29_020000')).rejects.toThrow(
      /no complete snapshot "2026-11-29_020000"/,
    );
    expect(await listSnapshots(path.join(dir, 'nothing-here'))).toEqual([]);
  });
  it("proves a snapshot's manifest complete by the size its run record gives, and by counting without one", async () => {
    const ids = ['2026-11-25_020000', '2026-11-26_020000', '2026-11-27_020000'];
    for (const id of ids) await fakeSnapshot(dir, id, 3);
    const manifestOf = (id: string) => path.join(dir, 'meta', id, 'manifest.jsonl');
    const record = (id: string, manifestBytes?: number) =>
      writeRunRecord(dir, { snapshotId: id, result: 'success', manifestBytes } as RunRecord);
    // Headers that announce one entry too many: counting refuses them, the recorded size alone does not.
    for (const id of ids)
      writeFileSync(manifestOf(id), readFileSync(manifestOf(id), 'utf8').replace('"entries":3', '"entries":4'));
    await record(ids[0], statSync(manifestOf(ids[0])).size); // listed: the size proof
    await record(ids[1]); // a record from before the field: counted, refused
    await record(ids[2], statSync(manifestOf(ids[2])).size);
    writeFileSync(
      manifestOf(ids[2]),
      `${readFileSync(manifestOf(ids[2]), 'utf8').split('\n').slice(0, 3).join('\n')}\n`,
    );
    expect((await listSnapshots(dir)).map((s) => s.id)).toEqual([ids[0]]);
  });
  it('writes the run record atomically', async () => {
    mkdirSync(path.join(dir, 'meta', 'X'), { recursive: true });
    const record = { snapshotId: 'X', result: 'success' } as RunRecord;
    await writeRunRecord(dir, record);
    expect(await readRunRecord(dir, 'X')).toEqual(record);
  });
});

describe('lock file', () => {
  it('refuses while a live process holds it, naming it; takes over a dead holder', async () => {
    const file = path.join(dir, 'lock');
    const held = await acquireLockFile(file);
    await expect(acquireLockFile(file)).rejects.toThrow(RunFailedError);
    await expect(acquireLockFile(file)).rejects.toThrow(new RegExp(`pid ${process.pid}`));
    await held.release();
    const { hostname } = await import('node:os');
    writeFileSync(
      file,
      JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), startedAt: 'long ago', purpose: 'backup' }),
    );
    const taken = await acquireLockFile(file, { purpose: 'nightly' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'nightly' });
    await taken.release();
    await taken.release();
  });
});
