import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Checkpoint,
  JOURNAL_RESERVE_BYTES,
  type PartialState,
  replayJournal,
  replayJournalFile,
} from '../../../src/engine/checkpoint';
import type { FileSystem } from '../../../src/fs/types';
import { localFs } from '../../../src/fs/local';
import type { ManifestEntry } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';

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
  it('replays records in order: later ones win, del removes, done clears a partial', () => {
    const lines = [
      JSON.stringify({ t: 'part', p: 'big', off: 10, size: 100, mtimeNs: '5' }),
      JSON.stringify({ t: 'done', how: 'copy', e: e('a') }),
      JSON.stringify({ t: 'done', how: 'link', e: e('b') }),
      JSON.stringify({ t: 'del', p: 'a' }),
      JSON.stringify({ t: 'part', p: 'big', off: 20, size: 100, mtimeNs: '5' }),
    ];
    const r = replayJournal(lines);
    expect([...r.done.keys()]).toEqual(['b']);
    expect(r.partials.get('big')).toEqual({ offset: 20, size: 100, mtimeNs: '5' });
    const r2 = replayJournal([...lines, JSON.stringify({ t: 'done', how: 'copy', e: e('big', 100) })]);
    expect(r2.partials.size).toBe(0);
  });

  it('stops at a record it could not have written (an altered journal): its path is never acted on', () => {
    const good = [JSON.stringify({ t: 'done', how: 'copy', e: e('a') })];
    const after = JSON.stringify({ t: 'done', how: 'copy', e: e('z') });
    for (const bad of [
      { t: 'del', p: '../../outside' },
      { t: 'done', how: 'copy', e: e('sub/../../../x') },
      { t: 'part', p: '/etc/passwd', off: 1, size: 2, mtimeNs: '5' },
      { t: 'done', how: 'copy' },
      { t: 'other', p: 'a' },
      null,
    ]) {
      const r = replayJournal([...good, JSON.stringify(bad), after]);
      expect([...r.done.keys()], JSON.stringify(bad)).toEqual(['a']);
      expect(r.partials.size).toBe(0);
      expect(r.tornTail).toBe(true);
      expect(r.refusedLine).toBe(2);
      expect(r.validBytes).toBe(Buffer.byteLength(good[0]) + 1);
    }
  });

  it('keeps no map of finished paths as it records; replayed() hands over the opened journal once, then reads it again', async () => {
    const stateDir = path.join(dir, 'r.state');
    const cp = await Checkpoint.create(localFs, stateDir, state);
    await cp.record({ t: 'done', how: 'copy', e: e('a') });
    await cp.record({ t: 'done', how: 'link', e: e('b') });
    expect(cp.done.size).toBe(0);
    expect([...(await cp.replayed()).keys()]).toEqual(['a', 'b']); // flushed and read back
    await cp.close();
    const reopened = await Checkpoint.open(localFs, stateDir);
    expect([...reopened.done.keys()]).toEqual(['a', 'b']);
    const first = await reopened.replayed();
    expect([...first.keys()]).toEqual(['a', 'b']);
    expect(reopened.done.size).toBe(0); // handed over, not kept twice
    await reopened.record({ t: 'del', p: 'a' });
    await reopened.record({ t: 'done', how: 'copy', e: e('c') });
    expect([...(await reopened.replayed()).keys()]).toEqual(['b', 'c']);
    await reopened.close();
  });

  it('replays a journal file as a stream: the same as its text split in lines, a last piece without its newline left out', async () => {
    const file = path.join(dir, 'journal.jsonl');
    expect(await replayJournalFile(localFs, file)).toBeNull();
    // Over 1 MiB (the read buffer), lines straddling its edges; then a whole record whose '\n' never came.
    const lines = Array.from({ length: 6000 }, (_, i) =>
      JSON.stringify(
        i % 7 === 3
          ? { t: 'del', p: `d/${i - 1}` }
          : { t: 'done', how: 'copy', e: e(`d/${i}${'x'.repeat(i % 300)}`, i) },
      ),
    );
    const text = `${lines.join('\n')}\n${JSON.stringify({ t: 'done', how: 'copy', e: e('late') })}`;
    writeFileSync(file, text);
    const streamed = await replayJournalFile(localFs, file);
    const split = replayJournal(text.split('\n').slice(0, -1));
    expect(Buffer.byteLength(text)).toBeGreaterThan(1 << 20);
    expect(streamed).toEqual({ ...split, bytes: Buffer.byteLength(text) });
    expect(streamed?.done.has('late')).toBe(false);
    expect(streamed?.validBytes).toBe(
      Buffer.byteLength(text) - Buffer.byteLength(JSON.stringify({ t: 'done', how: 'copy', e: e('late') })),
    );
  });

  it('survives a torn last line (kill -9 mid-write): ignored, cut off, and appending continues cleanly', async () => {
    const stateDir = path.join(dir, 'x.state');
    const cp = await Checkpoint.create(localFs, stateDir, state);
    await cp.record({ t: 'done', how: 'copy', e: e('a') });
    await cp.record({ t: 'done', how: 'copy', e: e('b') });
    await cp.close();
    const file = Checkpoint.journalPath(stateDir);
    appendFileSync(file, '{"t":"done","how":"copy","e":{"path":"c","ty');
    const reopened = await Checkpoint.open(localFs, stateDir);
    expect([...reopened.done.keys()]).toEqual(['a', 'b']);
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
    expect([...reopened.done.keys()]).toEqual(expected);
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
    expect(reopened.done.size).toBe(0);
    await reopened.close();
  });
});
