import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Checkpoint, JOURNAL_RESERVE_BYTES, type PartialState } from '../../../src/engine/checkpoint';
import { SPILL_RECORDS } from '../../../src/engine/held-records';
import type { FileSystem } from '../../../src/fs/types';
import { localFs } from '../../../src/fs/local';
import { comparePaths } from '../../../src/store/manifest';
import type { ManifestEntry } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';
import { heldPaths } from '../../helpers/entries';

const e = (p: string, size = 1): ManifestEntry => ({
  path: p,
  type: 'file',
  size,
  mtimeNs: '5',
  sha256: 'x',
  attributes: { mode: 0o644, readonly: false },
});
const state: PartialState = {
  format: 'avimark-backup-partial',
  version: 1,
  snapshotId: '2026-11-26_020000',
  source: '/src',
  startedAt: 't',
  previousSnapshotId: null,
};

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-cp-')));
afterEach(async () => cleanup());

describe('checkpoint journal', () => {
  it('keeps no map of finished paths as it records; replayed() hands over the opened journal once, then reads it again', async () => {
    const stateDir = path.join(dir, 'r.state');
    const cp = await Checkpoint.create(localFs, stateDir, state);
    await cp.record({ t: 'done', how: 'link', e: e('b') });
    await cp.record({ t: 'done', how: 'copy', e: e('a') });
    expect(await heldPaths(await cp.replayed())).toEqual(['a', 'b']); // flushed and read back, in path order
    await cp.close();
    const reopened = await Checkpoint.open(localFs, stateDir);
    expect(reopened.journalSize).toBe(statSync(Checkpoint.journalPath(stateDir)).size);
    const first = await reopened.replayed();
    const second = await reopened.replayed(); // read again: the first was handed over, not kept
    expect(await heldPaths(first)).toEqual(['a', 'b']);
    expect(await heldPaths(second)).toEqual(['a', 'b']);
    await reopened.record({ t: 'del', p: 'a' });
    await reopened.record({ t: 'done', how: 'copy', e: e('c') });
    expect(await heldPaths(await reopened.replayed())).toEqual(['b', 'c']);
    await reopened.close();
  });

  it('reopens a journal longer than memory keeps: sorted runs in the state folder, merged newest first, then removed', async () => {
    const stateDir = path.join(dir, 'long.state');
    await (await Checkpoint.create(localFs, stateDir, state)).close();
    const n = SPILL_RECORDS + 100;
    // In descending order, each path twice (the second record wins), every 10th removed again.
    const lines: string[] = [];
    for (let i = n - 1; i >= 0; i -= 1) lines.push(JSON.stringify({ t: 'done', how: 'copy', e: e(`p${i}`, 1) }));
    for (let i = n - 1; i >= 0; i -= 1) {
      lines.push(
        JSON.stringify(i % 10 === 0 ? { t: 'del', p: `p${i}` } : { t: 'done', how: 'link', e: e(`p${i}`, 2) }),
      );
    }
    writeFileSync(Checkpoint.journalPath(stateDir), `${lines.join('\n')}\n`);
    const reopened = await Checkpoint.open(localFs, stateDir);
    const spill = Checkpoint.spillPlace(localFs, stateDir).dir;
    expect(readdirSync(spill)).toEqual(['run-0.list', 'run-1.list']); // and the last batch still in memory
    const records = [];
    for await (const r of (await reopened.replayed()).sorted()) records.push(r);
    const expected = Array.from({ length: n }, (_, i) => `p${i}`)
      .filter((_, i) => i % 10 !== 0)
      .sort(comparePaths);
    expect(records.map((r) => r.entry.path)).toEqual(expected);
    expect(records.every((r) => r.how === 'link' && r.entry.size === 2)).toBe(true);
    expect(existsSync(spill)).toBe(false);
    await reopened.close();
    const unread = await Checkpoint.open(localFs, stateDir);
    expect(existsSync(spill)).toBe(true);
    await unread.close(); // never handed over: its runs go with the close
    expect(existsSync(spill)).toBe(false);
  }, 60_000);

  it('survives a torn last line (kill -9 mid-write): ignored, cut off, and appending continues cleanly', async () => {
    const stateDir = path.join(dir, 'x.state');
    const cp = await Checkpoint.create(localFs, stateDir, state);
    await cp.record({ t: 'done', how: 'copy', e: e('a') });
    await cp.record({ t: 'done', how: 'copy', e: e('b') });
    await cp.close();
    const file = Checkpoint.journalPath(stateDir);
    appendFileSync(file, '{"t":"done","how":"copy","e":{"path":"c","ty');
    const reopened = await Checkpoint.open(localFs, stateDir);
    expect(await heldPaths(await reopened.replayed())).toEqual(['a', 'b']);
    await reopened.record({ t: 'done', how: 'copy', e: e('d') });
    await reopened.close();
    const text = readFileSync(file, 'utf8');
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { e: { path: string } }).e.path),
    ).toEqual(['a', 'b', 'd']);
    const again = await Checkpoint.open(localFs, stateDir);
    expect(again.state).toEqual(state);
    await again.close();
  });
});

describe('checkpoint journal on a full disk', () => {
  /** A disk that is full until the journal reserve is deleted; a failing write first lands half its bytes. */
  function fullDiskFs(
    stateDir: string,
    freedByReserve = true,
  ): { fs: FileSystem; full: { value: boolean }; failures: { count: number } } {
    const full = { value: false };
    const failures = { count: 0 };
    const reserve = Checkpoint.reservePath(stateDir);
    const fs: FileSystem = {
      ...localFs,
      open: (async (p: string, flags?: string) => {
        const handle = await localFs.open(p, flags);
        if (p !== Checkpoint.journalPath(stateDir) || flags !== 'a') return handle;
        return new Proxy(handle, {
          get(target, prop) {
            const value = Reflect.get(target, prop, target) as unknown;
            if (prop === 'write') {
              return async (buf: Buffer, offset: number, length: number, position: number | null) => {
                if (full.value && (existsSync(reserve) || !freedByReserve)) {
                  failures.count += 1;
                  await target.write(buf, offset, Math.floor(length / 2), position);
                  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
                }
                return target.write(buf, offset, length, position);
              };
            }
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
      }) as FileSystem['open'],
    };
    return { fs, full, failures };
  }

  const journalPaths = (stateDir: string): string[] =>
    readFileSync(Checkpoint.journalPath(stateDir), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { e: { path: string } }).e.path);

  it('keeps a real reserve next to the journal, and makes it again when a run resumes', async () => {
    const stateDir = path.join(dir, 'r.state');
    const cp = await Checkpoint.create(localFs, stateDir, state);
    const reserve = Checkpoint.reservePath(stateDir);
    expect(statSync(reserve).size).toBe(JOURNAL_RESERVE_BYTES);
    expect(statSync(reserve).blocks * 512).toBeGreaterThanOrEqual(JOURNAL_RESERVE_BYTES); // not sparse
    await cp.close();
    rmSync(reserve);
    await (await Checkpoint.open(localFs, stateDir)).close();
    expect(statSync(reserve).size).toBe(JOURNAL_RESERVE_BYTES);
  });

  it('holds records while the disk is full, then spends the reserve on them when flushed: nothing claimed is lost', async () => {
    const stateDir = path.join(dir, 'f.state');
    const { fs, full, failures } = fullDiskFs(stateDir);
    const cp = await Checkpoint.create(fs, stateDir, state);
    await cp.record({ t: 'done', how: 'copy', e: e('before') });
    await cp.flush();
    full.value = true;
    for (let i = 0; i < 300; i += 1) await cp.record({ t: 'done', how: 'copy', e: e(`f${i}`) }); // one gathered write fails
    expect(failures.count).toBeGreaterThan(0);
    expect(journalPaths(stateDir)).toEqual(['before']); // the half-written line was cut off
    expect(existsSync(Checkpoint.reservePath(stateDir))).toBe(true);
    await cp.close();
    expect(existsSync(Checkpoint.reservePath(stateDir))).toBe(false);
    const expected = ['before', ...Array.from({ length: 300 }, (_, i) => `f${i}`)];
    expect(journalPaths(stateDir)).toEqual(expected);
    const reopened = await Checkpoint.open(localFs, stateDir);
    expect(await heldPaths(await reopened.replayed())).toEqual([...expected].sort(comparePaths));
    await reopened.close();
  });

  it('fails the write when the disk is still full after the reserve is spent', async () => {
    const stateDir = path.join(dir, 'g.state');
    const { fs, full } = fullDiskFs(stateDir, false);
    const cp = await Checkpoint.create(fs, stateDir, state);
    full.value = true;
    await cp.record({ t: 'done', how: 'copy', e: e('x') });
    await expect(cp.flush()).rejects.toThrow(/ENOSPC/);
    await expect(cp.close()).rejects.toThrow(/ENOSPC/);
    expect(existsSync(Checkpoint.reservePath(stateDir))).toBe(false);
    const reopened = await Checkpoint.open(localFs, stateDir); // cuts the half-written line
    expect(await heldPaths(await reopened.replayed())).toEqual([]);
    await reopened.close();
  });
});
