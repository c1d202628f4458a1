import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoneRecord } from '../../../src/engine/plan';
import {
  LIST_AHEAD,
  SyncListWriter,
  readSyncList,
  removeStaleLists,
  syncListEntries,
  syncListManifestLines,
  syncListPath,
} from '../../../src/engine/sync-list';
import { createFaultyFs } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import { tempDir } from '../../helpers/cli';
import { countingOpens } from '../../helpers/fs';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-sync-list-')));
afterEach(async () => cleanup());

const rec = (p: string, how: DoneRecord['how'] = 'link', size = 1): DoneRecord => ({
  how,
  entry: {
    path: p,
    type: how === 'dir' ? 'dir' : how === 'symlink' ? 'symlink' : 'file',
    size: how === 'dir' ? 0 : size,
    mtimeNs: '1',
    sha256: how === 'dir' ? null : 'a'.repeat(64),
    attributes: { mode: 0o444, readonly: true },
  },
});

/** A promise settled from outside. */
function later<T>(): { promise: Promise<T>; settle: (v: T) => void } {
  let settle!: (v: T) => void;
  const promise = new Promise<T>((resolve) => (settle = resolve));
  return { promise, settle };
}

async function paths(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readSyncList(localFs, file)) out.push(r.entry.path);
  return out;
}

describe('SyncListWriter', () => {
  it('writes outcomes in slot order whatever order they settle in, leaving out paths not held', async () => {
    const file = syncListPath(dir, 1);
    const list = await SyncListWriter.create(localFs, file);
    list.addNow(rec('a', 'dir'));
    const slow = later<DoneRecord | undefined>();
    list.add(slow.promise); // a/big: a large copy, finished last
    const gone = later<DoneRecord | undefined>();
    list.add(gone.promise); // a/c: disappeared from the source
    list.add(Promise.resolve(rec('a/d')));
    list.addNow(rec('b', 'symlink'));
    await new Promise((r) => setImmediate(r));
    expect(list.waiting).toBe(4); // everything behind a/big waits
    gone.settle(undefined);
    slow.settle(rec('a/big', 'copy', 100));
    await new Promise((r) => setImmediate(r));
    expect(list.waiting).toBe(0);
    const done = await list.finish();
    expect(await paths(file)).toEqual(['a', 'a/big', 'a/d', 'b']);
    expect(done).toEqual({
      file,
      entries: 4,
      tally: { filesTotal: 2, bytesTotal: 101, filesLinked: 1, filesCopied: 1 },
      dirs: [rec('a', 'dir').entry],
    });
    const entries: string[] = [];
    for await (const e of syncListEntries(localFs, file)) entries.push(e.path);
    expect(entries).toEqual(['a', 'a/big', 'a/d', 'b']);
    const lines: string[] = [];
    for await (const line of syncListManifestLines(localFs, file)) lines.push(line);
    expect(lines).toEqual(
      ['a', 'a/big', 'a/d', 'b'].map((p, i) =>
        JSON.stringify([rec('a', 'dir'), rec('a/big', 'copy', 100), rec('a/d'), rec('b', 'symlink')][i].entry),
      ),
    );
  });

  it('room() holds the scan back while LIST_AHEAD slots wait behind an unsettled one', async () => {
    const list = await SyncListWriter.create(localFs, syncListPath(dir, 1));
    const first = later<DoneRecord | undefined>();
    list.add(first.promise);
    for (let i = 1; i < LIST_AHEAD; i += 1) list.addNow(rec(`f${String(i).padStart(6, '0')}`));
    let released = false;
    const room = list.room().then(() => (released = true));
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(false);
    first.settle(rec('f000000'));
    await room;
    expect(released).toBe(true);
    expect((await list.finish()).entries).toBe(LIST_AHEAD);
  });

  it('a task that rejects, or an outcome out of path order, fails finish()', async () => {
    const one = await SyncListWriter.create(localFs, syncListPath(dir, 1));
    one.add(Promise.reject(new Error('boom')));
    await new Promise((r) => setImmediate(r));
    await expect(one.finish()).rejects.toThrow('boom');
    const two = await SyncListWriter.create(localFs, syncListPath(dir, 2));
    two.addNow(rec('b'));
    two.addNow(rec('a'));
    await expect(two.finish()).rejects.toThrow(/"a" arrived after "b"/);
  });

  it('finish() before every slot settled is refused; abort() closes and removes the file', async () => {
    const { fs, openFiles } = countingOpens();
    const file = syncListPath(dir, 1);
    const list = await SyncListWriter.create(fs, file);
    list.add(new Promise(() => undefined));
    await expect(list.finish()).rejects.toThrow(/not settled/);
    await list.abort();
    expect(openFiles()).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes more than one buffer of lines', async () => {
    const file = syncListPath(dir, 1);
    const list = await SyncListWriter.create(localFs, file);
    const names = Array.from({ length: 5000 }, (_, i) => `${'d/'.repeat(20)}${String(i).padStart(5, '0')}`);
    for (const n of names) list.addNow(rec(n));
    await list.finish();
    expect((await readFile(file, 'utf8')).length).toBeGreaterThan(512 * 1024);
    expect(await paths(file)).toEqual(names);
  });
});

describe('readSyncList', () => {
  it('refuses a line that is not one, and a path that would leave the partial', async () => {
    const bad = syncListPath(dir, 2);
    await writeFile(bad, `{"t":"done"}\n`);
    await expect(paths(bad)).rejects.toThrow(/not a sync list line/);
    const file = syncListPath(dir, 1);
    await writeFile(file, `link ${JSON.stringify(rec('../x').entry)}\n`);
    await expect(paths(file)).rejects.toThrow(/\.\.\/x/);
  });
});

describe('removeStaleLists', () => {
  it("removes an earlier process's lists and nothing else", async () => {
    for (const name of ['sync-1.list', 'sync-7.list', 'journal.jsonl', 'state.json']) {
      await writeFile(path.join(dir, name), '');
    }
    await removeStaleLists(localFs, dir);
    expect((await readdir(dir)).sort()).toEqual(['journal.jsonl', 'state.json']);
  });

  it('waits out a file held for a moment (a scanner on Windows), when removing and when creating one', async () => {
    await writeFile(path.join(dir, 'sync-1.list'), '');
    const faulty = createFaultyFs(localFs, {
      rules: [
        { code: 'EBUSY', ops: ['unlink'], path: 'sync-1.list', times: 1 },
        { code: 'EBUSY', ops: ['open'], path: 'sync-2.list', times: 1 },
      ],
    });
    await removeStaleLists(faulty.fs, dir);
    const list = await SyncListWriter.create(faulty.fs, syncListPath(dir, 2));
    await list.finish();
    expect(faulty.injected.map((f) => f.op)).toEqual(['unlink', 'open']);
    expect(await readdir(dir)).toEqual(['sync-2.list']);
  });
});
