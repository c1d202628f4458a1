import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../../src/engine/checkpoint';
import { PartialSnapshot } from '../../../src/engine/partial';
import type { DoneRecord } from '../../../src/engine/plan';
import { SyncListWriter } from '../../../src/engine/sync-list';
import { sweepStrays } from '../../../src/engine/tree-saver';
import { localFs } from '../../../src/fs/local';
import { silentLogger } from '../../../src/log/logger';
import { comparePaths } from '../../../src/store/manifest';
import { tempDir } from '../../helpers/cli';
import { fileEntry } from '../../helpers/entries';
import { seeded } from '../../helpers/random';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-tree-saver-')));
afterEach(async () => cleanup());

type Kind = 'file' | 'dir' | 'symlink';

/** Every path below `root` with its type, by a plain recursive walk (the oracle's view). */
function walk(root: string, rel = ''): Map<string, Kind> {
  const out = new Map<string, Kind>();
  for (const d of readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const p = rel === '' ? d.name : `${rel}/${d.name}`;
    out.set(p, d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'symlink' : 'file');
    if (d.isDirectory()) for (const [k, v] of walk(root, p)) out.set(k, v);
  }
  return out;
}

const record = (rel: string, kind: Kind): DoneRecord =>
  kind === 'dir'
    ? { how: 'dir', entry: { ...fileEntry(rel), type: 'dir', size: 0, sha256: null } }
    : kind === 'symlink'
      ? { how: 'symlink', entry: { ...fileEntry(rel), type: 'symlink', size: 0, sha256: null, linkTarget: 'x' } }
      : { how: 'copy', entry: fileEntry(rel) };

describe('sweepStrays', () => {
  it('removes exactly what the list does not name as it is, reading the list beside the scan (random trees)', async () => {
    const random = seeded(53);
    const names = ['a', 'a-b', 'a.b', 'b', 'a b', '\u00e9'];
    for (let round = 0; round < 25; round += 1) {
      const id = `2026-12-07_0000${String(round).padStart(2, '0')}`;
      const partial = new PartialSnapshot(localFs, dir, id, silentLogger(), {} as Checkpoint);
      mkdirSync(partial.dir, { recursive: true });
      const grow = (rel: string, depth: number): void => {
        for (const name of names) {
          if (random(3) === 0) continue;
          const p = rel === '' ? name : `${rel}/${name}`;
          const roll = random(5);
          if (depth < 2 && roll < 2) {
            mkdirSync(partial.destPath(p));
            grow(p, depth + 1);
          } else if (roll === 2) symlinkSync('target', partial.destPath(p));
          else writeFileSync(partial.destPath(p), p);
        }
      };
      grow('', 0);
      const tree = walk(partial.dir);
      // The list: most paths as they are, some with another type, some left out; plus paths not on disk.
      const listed = new Map<string, Kind>();
      for (const [p, kind] of tree) {
        const roll = random(8);
        if (roll === 0) continue;
        listed.set(p, roll === 1 ? (kind === 'file' ? 'dir' : 'file') : kind);
      }
      listed.set('zz-not-there', 'file');
      const writer = await SyncListWriter.create(localFs, path.join(dir, `${id}.list`));
      for (const p of [...listed.keys()].sort(comparePaths)) writer.addNow(record(p, listed.get(p) as Kind));
      const list = await writer.finish();

      await sweepStrays(partial, list, new AbortController().signal);

      const strays = [...tree].filter(([p, kind]) => listed.get(p) !== kind).map(([p]) => p);
      const expected = [...tree.keys()].filter((p) => !strays.some((s) => p === s || p.startsWith(`${s}/`)));
      expect([...walk(partial.dir).keys()].sort(comparePaths), `round ${round}`).toEqual(expected.sort(comparePaths));
    }
  });
});
