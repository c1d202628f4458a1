import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RepairJob, repairFile } from '../../../src/engine/repair';
import { localFs } from '../../../src/fs/local';
import { tempDir } from '../../helpers/cli';
import { inodeOf } from '../../helpers/tree';

/** The `verify --repair` executor on real files: hash while copying, fall back, rename over every link. */

let dir: string;
let cleanup: () => Promise<void>;
let dest: string;
let src: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-repair-exec-'));
  dest = path.join(dir, 'backups');
  src = path.join(dir, 'AVImark');
});
afterEach(async () => cleanup());

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const stored = (id: string, rel: string) => path.join(dest, 'snapshots', id, rel);

function put(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, 0o444);
}

describe('repairFile', () => {
  it('skips a source whose content is wrong, heals every link from the next one, read-only with the manifest time', async () => {
    const good = 'the intact table';
    const [a, b, c] = ['2026-11-01T020000Z', '2026-11-02T020000Z', '2026-11-03T020000Z'];
    put(stored(a, 'T.V2$'), 'the intact tablX');
    const { linkSync } = await import('node:fs');
    mkdirSync(path.dirname(stored(b, 'T.V2$')), { recursive: true });
    linkSync(stored(a, 'T.V2$'), stored(b, 'T.V2$'));
    put(stored(c, 'T.V2$'), good);
    put(path.join(src, 'T.V2$'), 'rewritten since');
    const job: RepairJob = {
      key: null,
      sha256: sha(good),
      size: good.length,
      targets: [
        { snapshotId: a, path: 'T.V2$' },
        { snapshotId: b, path: 'T.V2$' },
      ],
      sources: [
        { kind: 'source', path: 'T.V2$' },
        { kind: 'snapshot', snapshotId: c, path: 'T.V2$' },
      ],
      mtimeNs: '1700000000123456789',
      mode: 0o644,
    };
    const outcome = await repairFile({ fs: localFs, dest, source: { fs: localFs, root: src } }, job);
    expect(outcome).toMatchObject({ healed: true, from: { kind: 'snapshot', snapshotId: c } });
    for (const id of [a, b]) {
      expect(readFileSync(stored(id, 'T.V2$'), 'utf8')).toBe(good);
      expect(statSync(stored(id, 'T.V2$')).mode & 0o777).toBe(0o444);
      expect(statSync(stored(id, 'T.V2$'), { bigint: true }).mtimeNs / 1000n).toBe(1700000000123456n);
      expect(readdirSync(path.dirname(stored(id, 'T.V2$')))).toEqual(['T.V2$']);
    }
    // One fresh inode shared by the healed places, not the good source's.
    expect(inodeOf(stored(a, 'T.V2$'))).toBe(inodeOf(stored(b, 'T.V2$')));
    expect(inodeOf(stored(a, 'T.V2$'))).not.toBe(inodeOf(stored(c, 'T.V2$')));
  });

  it('leaves the damaged file and no temporary file when no source has the right content', async () => {
    const id = '2026-11-01T020000Z';
    put(stored(id, 'T.V2$'), 'damaged');
    put(path.join(src, 'T.V2$'), 'rewritten since');
    const outcome = await repairFile(
      { fs: localFs, dest, source: { fs: localFs, root: src } },
      {
        key: null,
        sha256: sha('original'),
        size: 8,
        targets: [{ snapshotId: id, path: 'T.V2$' }],
        sources: [{ kind: 'source', path: 'T.V2$' }],
        mtimeNs: '0',
        mode: 0o644,
      },
    );
    expect(outcome).toMatchObject({ healed: false, reason: 'the live source has different content now' });
    expect(readFileSync(stored(id, 'T.V2$'), 'utf8')).toBe('damaged');
    expect(readdirSync(path.dirname(stored(id, 'T.V2$')))).toEqual(['T.V2$']);
  });
});
