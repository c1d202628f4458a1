import { describe, expect, it } from 'vitest';
import { comparePaths } from '../../../src/store/manifest';
import { PathCursor } from '../../../src/store/path-cursor';
import { seeded } from '../../helpers/random';

interface Item {
  path: string;
  n: number;
}

/** An async stream over `items` that counts its reads and whether it was closed. */
function stream(items: Item[]) {
  const seen = { reads: 0, closed: false };
  async function* gen(): AsyncGenerator<Item> {
    try {
      for (const item of items) {
        seen.reads += 1;
        yield item;
      }
    } finally {
      seen.closed = true;
    }
  }
  return { cursor: new PathCursor<Item>(gen(), (i) => i.path), seen };
}

const sorted = (paths: string[]): Item[] => [...new Set(paths)].sort(comparePaths).map((path, n) => ({ path, n }));

describe('PathCursor', () => {
  it('finds items in path order, gives what it reads past, and consumes what it finds', async () => {
    const { cursor, seen } = stream(sorted(['a', 'a-c', 'a.b', 'a/b', 'z']));
    const passed: string[] = [];
    const note = (i: Item) => passed.push(i.path);
    expect((await cursor.get('a', note))?.path).toBe('a');
    expect(await cursor.get('a-b', note)).toBeUndefined(); // between 'a' and 'a-c': not read past
    expect(passed).toEqual([]);
    expect((await cursor.get('a/b', note))?.path).toBe('a/b'); // '/' sorts after '-' and '.'
    expect(passed).toEqual(['a-c', 'a.b']);
    expect(await cursor.get('a/b', note)).toBeUndefined(); // found once: consumed
    expect(await cursor.get('a.b', note)).toBeUndefined(); // behind the last read: "not there"
    expect(seen.reads).toBe(5); // 'z' read (the lookup of a path after 'a/b'), not passed
    const rest: string[] = [];
    await cursor.rest((i) => rest.push(i.path));
    expect(rest).toEqual(['z']);
    expect(passed).toEqual(['a-c', 'a.b']);
  });

  it('answers random lookups in order as a map of the whole stream does, and passes each unfound item once', async () => {
    const random = seeded(17);
    const names = () => Array.from({ length: 200 }, () => `${'ab/.-'[random(5)]}${random(40)}`);
    for (let round = 0; round < 20; round += 1) {
      const items = sorted(names());
      const asked = [...new Set(names())].sort(comparePaths);
      const { cursor } = stream(items);
      const byPath = new Map(items.map((i) => [i.path, i]));
      const passed: string[] = [];
      for (const p of asked) expect(await cursor.get(p, (i) => passed.push(i.path))).toBe(byPath.get(p));
      await cursor.rest((i) => passed.push(i.path));
      const found = new Set(asked.filter((p) => byPath.has(p)));
      expect(passed).toEqual(items.map((i) => i.path).filter((p) => !found.has(p)));
    }
  });

  it('closes the stream when the caller stops early', async () => {
    const { cursor, seen } = stream(sorted(['a', 'b', 'c']));
    expect((await cursor.get('a'))?.n).toBe(0);
    await cursor.close();
    expect(seen.closed).toBe(true);
    expect(seen.reads).toBe(1);
  });
});
