import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeldList, type HeldLookup } from '../../../src/engine/held';
import { HeldRecords } from '../../../src/engine/held-records';
import type { DoneRecord } from '../../../src/engine/plan';
import { SyncListWriter } from '../../../src/engine/sync-list';
import { localFs } from '../../../src/fs/local';
import { comparePaths } from '../../../src/store/manifest';
import { tempDir } from '../../helpers/cli';
import { fileEntry } from '../../helpers/entries';
import { countingOpens } from '../../helpers/fs';
import { seeded } from '../../helpers/random';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-held-')));
afterEach(async () => cleanup());

const rec = (p: string): DoneRecord => ({ how: 'copy', entry: fileEntry(p) });

async function listOf(paths: string[], fs = localFs): Promise<string> {
  const file = path.join(dir, `sync-${paths.length}.list`);
  const writer = await SyncListWriter.create(fs, file);
  for (const p of paths) writer.addNow(rec(p));
  return (await writer.finish()).file;
}

/** A replayed journal's records of `held` (recorded in reverse order), spilled in runs of `limit` when given. */
async function replayed(held: string[], limit?: number): Promise<HeldRecords> {
  const records = new HeldRecords(
    limit === undefined ? null : { fs: localFs, dir: path.join(dir, `replay-${limit}`) },
    limit,
  );
  for (const p of [...held].reverse()) {
    records.set(rec(p));
    if (records.full) await records.spillBatch();
  }
  return records;
}

/** Every lookup over the same held paths: a sync's list, and a replayed journal in memory and spilled. */
async function both(held: string[]): Promise<Array<[string, () => Promise<HeldLookup>]>> {
  const file = await listOf(held);
  return [
    ['HeldList', async () => HeldList.open(localFs, file)],
    ['replayed', async () => HeldList.over(await replayed(held))],
    ['replayed, spilled', async () => HeldList.over(await replayed(held, 3))],
  ];
}

describe('held lookups', () => {
  it('find what the partial holds, and give the paths the scan did not meet as gone', async () => {
    for (const [name, open] of await both(['a', 'a-b', 'a/x', 'a/y', 'b', 'c.txt', 'z'])) {
      const held = await open();
      expect((await held.get('a'))?.entry.path, name).toBe('a');
      expect(await held.get('a.new'), name).toBeUndefined();
      expect((await held.get('a/y'))?.entry.path, name).toBe('a/y');
      expect((await held.get('c.txt'))?.entry.path, name).toBe('c.txt');
      expect((await held.rest()).sort(comparePaths), name).toEqual(['a-b', 'a/x', 'b', 'z']);
      await held.close();
    }
  });

  it('equal a set difference for random scans (an independent oracle)', async () => {
    const random = seeded(29);
    const names = ['a', 'b', 'a-b', 'a.b', 'a b', 'B', '\u00e9'];
    const pathOf = () => Array.from({ length: 1 + random(3) }, () => names[random(names.length)]).join('/');
    for (let round = 0; round < 30; round += 1) {
      const universe = [...new Set(Array.from({ length: 40 }, pathOf))].sort(comparePaths);
      const held = universe.filter(() => random(2) === 0);
      const scanned = universe.filter(() => random(2) === 0);
      for (const [name, open] of await both(held)) {
        const lookup = await open();
        const found: string[] = [];
        for (const p of scanned) if ((await lookup.get(p)) !== undefined) found.push(p);
        expect(found, name).toEqual(scanned.filter((p) => held.includes(p)));
        expect((await lookup.rest()).sort(comparePaths), name).toEqual(held.filter((p) => !scanned.includes(p)));
        await lookup.close();
      }
    }
  });

  it('HeldList refuses a lookup out of path order and closes its file when closed early', async () => {
    const { fs, openFiles } = countingOpens();
    const held = HeldList.open(fs, await listOf(['a', 'b', 'c']));
    expect(await held.get('b')).toBeDefined();
    await expect(held.get('a')).rejects.toThrow(/out of path order/);
    await held.close();
    expect(openFiles()).toBe(0);
  });
});
