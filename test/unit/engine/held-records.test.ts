import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeldRecords, type SpillPlace, tempSpillPlace } from '../../../src/engine/held-records';
import type { DoneRecord } from '../../../src/engine/plan';
import { localFs } from '../../../src/fs/local';
import { comparePaths } from '../../../src/store/manifest';
import { tempDir } from '../../helpers/cli';
import { fileEntry } from '../../helpers/entries';
import { seeded } from '../../helpers/random';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-held-records-')));
afterEach(async () => cleanup());

type Op = { t: 'done'; record: DoneRecord } | { t: 'del'; p: string };

const rec = (p: string, size = 1, how: DoneRecord['how'] = 'copy'): DoneRecord => ({
  how,
  entry: { ...fileEntry(p), size },
});

/** Applies the journal's operations as the replay does, spilling whenever the batch is full. */
async function fill(held: HeldRecords, ops: Op[]): Promise<void> {
  for (const op of ops) {
    if (op.t === 'done') held.set(op.record);
    else held.delete(op.p);
    if (held.full) await held.spillBatch();
  }
}

async function all(held: HeldRecords): Promise<DoneRecord[]> {
  const out: DoneRecord[] = [];
  for await (const record of held.sorted()) out.push(record);
  return out;
}

/** The oracle: a map replay (later wins, del removes), sorted afterwards. */
function oracle(ops: Op[]): DoneRecord[] {
  const map = new Map<string, DoneRecord>();
  for (const op of ops) {
    if (op.t === 'done') map.set(op.record.entry.path, op.record);
    else map.delete(op.p);
  }
  return [...map.values()].sort((a, b) => comparePaths(a.entry.path, b.entry.path));
}

const place = (): SpillPlace => ({ fs: localFs, dir: path.join(dir, 'replay') });

describe('HeldRecords', () => {
  it('equals a map replay for random journals, in memory and spilled in runs of 4 (an independent oracle)', async () => {
    const random = seeded(41);
    const names = ['a', 'b', 'a-b', 'a.b', 'a b', 'B', '\u00e9', 'z'];
    const pathOf = () => Array.from({ length: 1 + random(3) }, () => names[random(names.length)]).join('/');
    for (let round = 0; round < 40; round += 1) {
      const ops: Op[] = Array.from({ length: random(60) }, (_, i) =>
        random(4) === 0
          ? { t: 'del', p: pathOf() }
          : { t: 'done', record: rec(pathOf(), i, random(2) ? 'copy' : 'link') },
      );
      const expected = oracle(ops);
      const inMemory = new HeldRecords(null, 4);
      await fill(inMemory, ops);
      expect(inMemory.spilled).toBe(0);
      expect(await all(inMemory), `round ${round} in memory`).toEqual(expected);
      const spilled = new HeldRecords(place(), 4);
      await fill(spilled, ops);
      expect(await all(spilled), `round ${round} spilled in ${spilled.spilled} runs`).toEqual(expected);
      expect(existsSync(place().dir)).toBe(false);
    }
  });

  it('spills a batch each time it is full and keeps removals as tombstones after the first run', async () => {
    const held = new HeldRecords(place(), 3);
    await fill(held, [
      { t: 'done', record: rec('c') },
      { t: 'done', record: rec('a') },
      { t: 'del', p: 'c' }, // first batch: forgotten at once
      { t: 'done', record: rec('b') },
      { t: 'done', record: rec('d') },
    ]);
    expect(held.spilled).toBe(1);
    const run = readFileSync(path.join(place().dir, 'run-0.list'), 'utf8');
    expect(run.split('\n').map((line) => line.slice(0, 40))).toEqual([
      expect.stringMatching(/^copy \{"path":"a"/),
      expect.stringMatching(/^copy \{"path":"b"/),
      expect.stringMatching(/^copy \{"path":"d"/),
      '',
    ]);
    await fill(held, [
      { t: 'del', p: 'a' },
      { t: 'done', record: rec('b', 7) },
    ]);
    expect((await all(held)).map((r) => [r.entry.path, r.entry.size])).toEqual([
      ['b', 7],
      ['d', 1],
    ]);
  });

  it('spills the last batch too once it merges runs (no batch left in memory), and merges nothing in memory alone', async () => {
    const ops: Op[] = Array.from({ length: 7 }, (_, i) => ({ t: 'done', record: rec(`f${i}`) }));
    const held = new HeldRecords(place(), 3);
    await fill(held, ops);
    expect(readdirSync(place().dir).sort()).toEqual(['run-0.list', 'run-1.list']);
    const merged = held.sorted();
    expect((await merged.next()).value?.entry.path).toBe('f0');
    expect(readdirSync(place().dir).sort()).toEqual(['run-0.list', 'run-1.list', 'run-2.list']);
    expect(readFileSync(path.join(place().dir, 'run-2.list'), 'utf8')).toMatch(/^copy \{"path":"f6"[^\n]*\n$/);
    const rest: string[] = [];
    for await (const record of merged) rest.push(record.entry.path);
    expect(rest).toEqual(['f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
    const small = new HeldRecords(place(), 3);
    await fill(small, ops.slice(0, 2));
    expect((await all(small)).map((r) => r.entry.path)).toEqual(['f0', 'f1']);
    expect(existsSync(place().dir)).toBe(false);
  });

  it('removes its run files when read to the end, returned early, or disposed of unread', async () => {
    const ops: Op[] = Array.from({ length: 10 }, (_, i) => ({ t: 'done', record: rec(`f${i}`) }));
    const early = new HeldRecords(place(), 3);
    await fill(early, ops);
    expect(readdirSync(place().dir)).toHaveLength(3);
    for await (const _ of early.sorted()) break;
    expect(existsSync(place().dir)).toBe(false);
    const unread = new HeldRecords(place(), 3);
    await fill(unread, ops);
    await unread.dispose();
    expect(existsSync(place().dir)).toBe(false);
    const twice = new HeldRecords(null);
    await all(twice);
    await expect(all(twice)).rejects.toThrow(/twice/);
  });

  it('refuses a run file altered out of order or with a climbing path', async () => {
    for (const [line, message] of [
      ['copy {"path":"zz","type":"file","size":1}', /out of path order/],
      ['- "../x"', /\.\./],
    ] as const) {
      const held = new HeldRecords(place(), 2);
      await fill(held, [
        { t: 'done', record: rec('b') },
        { t: 'done', record: rec('c') },
        { t: 'done', record: rec('d') },
      ]);
      const file = path.join(place().dir, 'run-0.list');
      const lines = readFileSync(file, 'utf8').split('\n');
      writeFileSync(file, [line, ...lines].join('\n'));
      await expect(all(held), line).rejects.toThrow(message);
      expect(existsSync(place().dir)).toBe(false);
    }
  });

  it('a temporary spill place is a fresh folder under the system temporary folder each time', () => {
    const a = tempSpillPlace(localFs);
    const b = tempSpillPlace(localFs);
    expect(a.dir).not.toBe(b.dir);
    expect(a.dir).toContain(`avimark-backup-replay-${process.pid}-`);
  });
});
