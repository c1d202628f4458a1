import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardSchema } from '../../../src/config/schema';
import { sampleCandidates, snapshotGuard } from '../../../src/cycle/guard';
import type { CommitView } from '../../../src/engine/commit';
import { localFs } from '../../../src/fs/local';
import { silentLogger } from '../../../src/log/logger';
import type { ManifestEntry } from '../../../src/store/types';
import { AVIMARK_FILES, makeStore } from '../../helpers/store';

/**
 * The guard's baseline: the engine's own copy of the previous manifest when it is the same snapshot (no
 * second copy in memory), else the manifest on disk. Told apart by an engine copy that differs from the disk.
 */

const BASELINE = '2026-11-01_020000';
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function setUp(
  requiredFiles: string[] = [],
): Promise<{ guard: ReturnType<typeof snapshotGuard>; view: CommitView }> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avb-guard-'));
  const dest = path.join(dir, 'store');
  await makeStore(dest, [{ id: BASELINE, files: AVIMARK_FILES }]);
  const guard = snapshotGuard(
    { guard: guardSchema.parse({}), drill: { requiredFiles } },
    { allowShrink: false, log: silentLogger() },
  );
  // An empty snapshot: against the baseline on disk (six files) it shrank by 100 %.
  const view: CommitView = { id: '2026-11-02_020000', dest, fs: localFs, entries: [], storedPath: (rel) => rel };
  return { guard, view };
}

const empty = new Map<string, ManifestEntry>();

describe('snapshotGuard baseline', () => {
  it('reads the baseline manifest from disk when the engine holds none', async () => {
    const { guard, view } = await setUp();
    await expect(guard(view)).rejects.toThrow(/was not committed/);
  });

  it("uses the engine's previous index when it is the baseline snapshot", async () => {
    const { guard, view } = await setUp();
    const verdict = await guard({ ...view, previous: { id: BASELINE, index: empty } });
    expect(verdict.suspect).toBeNull();
  });

  it("reads its own copy when the engine's previous is another snapshot", async () => {
    const { guard, view } = await setUp();
    await expect(guard({ ...view, previous: { id: '2026-10-31_020000', index: empty } })).rejects.toThrow(
      /was not committed/,
    );
  });

  it('refuses a snapshot that lost a required file the baseline had, even when the totals hold', async () => {
    const { guard, view } = await setUp(['./CLIENT.V2$', 'NEVER.V2$']);
    const baseline = new Map<string, ManifestEntry>();
    const entries: ManifestEntry[] = [];
    for (const rel of Object.keys(AVIMARK_FILES)) {
      const e: ManifestEntry = {
        path: rel,
        type: 'file',
        size: 10,
        mtimeNs: '1',
        sha256: 'c'.repeat(64),
        attributes: { mode: 0o444, readonly: true },
      };
      baseline.set(rel, e);
      if (rel !== 'CLIENT.V2$') entries.push(e);
    }
    entries.push({ ...entries[0], path: 'other.txt' }); // same count and bytes as before
    const previous = { id: BASELINE, index: baseline };
    await expect(guard({ ...view, entries, previous })).rejects.toThrow(/CLIENT\.V2\$/);
    const kept = [...baseline.values()];
    expect((await guard({ ...view, entries: kept, previous })).suspect).toBeNull();
  });
});

describe('sampleCandidates', () => {
  const fileEntry = (p: string, sha: string): ManifestEntry => ({
    path: p,
    type: 'file',
    size: 5,
    mtimeNs: '1',
    sha256: sha.repeat(64),
    attributes: { mode: 0o444, readonly: true },
  });
  const dirEntry = (p: string): ManifestEntry => ({ ...fileEntry(p, 'd'), type: 'dir', size: 0, sha256: null });
  const baseline = {
    id: BASELINE,
    index: new Map(
      [fileEntry('CLIENT.V2$', 'a'), fileEntry('ANIMAL.V2$', 'a'), fileEntry('Same.doc', 'a'), dirEntry('Docs')].map(
        (e) => [e.path, e] as const,
      ),
    ),
  };
  const view = (entries: ManifestEntry[]): CommitView => ({
    id: '2026-11-02_020000',
    dest: '/store',
    fs: localFs,
    entries,
    storedPath: (rel) => `/partial/${rel}`,
  });
  const entries = [
    fileEntry('ANIMAL.V2$', 'b'), // changed in place
    fileEntry('CLIENT.V2$.locked', 'b'), // renamed with an extension; CLIENT.V2$ is gone
    fileEntry('Docs', 'b'), // a folder before: not a changed file
    fileEntry('Same.doc', 'a'), // unchanged
    fileEntry('same.DOC.x', 'b'), // a stem that matches only case-insensitively
  ];
  const stored = (rel: string) => path.join('/store', 'snapshots', BASELINE, rel);
  /** The candidate `rel` compared with the baseline's `old` (sizes are all 5). */
  const pair = (rel: string, old: string) => ({
    path: rel,
    current: { file: `/partial/${rel}`, size: 5 },
    previous: { file: stored(old), size: 5 },
  });

  it('case-sensitive: changed files and names with an appended extension, from the baseline', () => {
    expect(sampleCandidates(view(entries), baseline, false)).toEqual([
      pair('ANIMAL.V2$', 'ANIMAL.V2$'),
      pair('CLIENT.V2$.locked', 'CLIENT.V2$'),
    ]);
  });

  it('case-insensitive: a stem matches across case, but not an old file still present', () => {
    const found = sampleCandidates(view(entries), baseline, true).map((c) => c.path);
    expect(found).toEqual(['ANIMAL.V2$', 'CLIENT.V2$.locked']);
    const renamed = [...entries.filter((e) => e.path !== 'Same.doc'), fileEntry('x', 'c')];
    expect(sampleCandidates(view(renamed), baseline, true).map((c) => c.path)).toEqual([
      'ANIMAL.V2$',
      'CLIENT.V2$.locked',
      'same.DOC.x',
    ]);
  });

  it('case-insensitive: a file whose name changed case is compared with its old copy, in the order of the entries', () => {
    const recased = [
      fileEntry('animal.v2$', 'b'), // changed, and its name's case too
      fileEntry('CLIENT.V2$.locked', 'b'),
      fileEntry('same.doc', 'a'), // only the case changed
    ];
    expect(sampleCandidates(view(recased), baseline, true)).toEqual([
      pair('animal.v2$', 'ANIMAL.V2$'),
      pair('CLIENT.V2$.locked', 'CLIENT.V2$'),
    ]);
    // Case-sensitively, 'animal.v2$' and 'same.doc' are new files without a stem in the baseline.
    expect(sampleCandidates(view(recased), baseline, false).map((c) => c.path)).toEqual(['CLIENT.V2$.locked']);
  });
});
