import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardSchema } from '../../../src/config/schema';
import { snapshotGuard } from '../../../src/cycle/guard';
import type { CommitView } from '../../../src/engine/commit';
import { localFs } from '../../../src/fs/local';
import { silentLogger } from '../../../src/log/logger';
import { manifestPath } from '../../../src/store/layout';
import { comparePaths, openManifest } from '../../../src/store/manifest';
import type { ManifestEntry } from '../../../src/store/types';
import { AVIMARK_FILES, makeStore } from '../../helpers/store';

/**
 * The guard reads its baseline (the newest trusted snapshot older than this one) as a stream from disk,
 * merged with this snapshot's entries: no index of either is held.
 */

const BASELINE = '2026-11-01_020000';

/** This snapshot's entries as the commit gives them: read once more at each call. */
function stream(entries: readonly ManifestEntry[]): () => AsyncIterable<ManifestEntry> {
  return async function* () {
    yield* entries;
  };
}
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function setUp(
  requiredFiles: string[] = [],
): Promise<{ guard: ReturnType<typeof snapshotGuard>; view: CommitView; baseline: ManifestEntry[] }> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avb-guard-'));
  const dest = path.join(dir, 'store');
  await makeStore(dest, [{ id: BASELINE, files: AVIMARK_FILES }]);
  const guard = snapshotGuard(
    { guard: guardSchema.parse({}), drill: { requiredFiles } },
    { allowShrink: false, log: silentLogger() },
  );
  // An empty snapshot: against the baseline on disk (six files) it shrank by 100 %.
  const view: CommitView = {
    id: '2026-11-02_020000',
    dest,
    fs: localFs,
    entries: stream([]),
    storedPath: (rel) => rel,
  };
  const baseline: ManifestEntry[] = [];
  for await (const e of (await openManifest(localFs, manifestPath(dest, BASELINE))).entries) baseline.push(e);
  return { guard, view, baseline };
}

describe('snapshotGuard baseline', () => {
  it('reads the baseline manifest from disk', async () => {
    const { guard, view, baseline } = await setUp();
    await expect(guard(view)).rejects.toThrow(/was not committed/);
    expect(await guard({ ...view, entries: stream(baseline) })).toEqual({ suspect: null, warnings: [] });
  });

  it('a damaged baseline (a bad line, out of path order) skips the checks with a warning', async () => {
    const { guard, view, baseline } = await setUp();
    const file = manifestPath(view.dest, BASELINE);
    const lines = (await readFile(file, 'utf8')).split('\n');
    // (A manifest cut short is not listed as a snapshot at all: no baseline, no warning.)
    const damaged = [
      [...lines.slice(0, 2), '{"path":', ...lines.slice(3)].join('\n'),
      [lines[0], lines[2], lines[1], ...lines.slice(3)].join('\n'),
    ];
    for (const text of damaged) {
      await writeFile(file, text);
      const verdict = await guard(view); // shrank by 100 %, but there is no baseline to tell
      expect(verdict.suspect).toBeNull();
      expect(verdict.warnings).toEqual([expect.stringMatching(/checks were skipped: the manifest .* is damaged/)]);
    }
    await writeFile(file, lines.join('\n'));
    await expect(guard({ ...view, entries: stream(baseline.slice(1)) })).resolves.toMatchObject({ warnings: [] });
  });

  it('refuses a snapshot that lost a required file the baseline had, even when the totals hold', async () => {
    const { guard, view, baseline } = await setUp(['./CLIENT.V2$', 'NEVER.V2$']);
    const client = baseline.find((e) => e.path === 'CLIENT.V2$');
    if (!client) throw new Error('fixture');
    // Same count and bytes as before, sorted as a manifest is ('other.txt' after the upper-case names).
    const entries = [...baseline.filter((e) => e !== client), { ...client, path: 'other.txt' }].sort((a, b) =>
      comparePaths(a.path, b.path),
    );
    await expect(guard({ ...view, entries: stream(entries) })).rejects.toThrow(/CLIENT\.V2\$/);
  });

  it('marks a snapshot suspect from changes found by the merge (files rewritten in place)', async () => {
    const { view, baseline } = await setUp();
    const guard = snapshotGuard(
      { guard: guardSchema.parse({ ransomware: { minFiles: 3, sampleFiles: 0 } }), drill: { requiredFiles: [] } },
      { allowShrink: false, log: silentLogger() },
    );
    expect((await guard({ ...view, entries: stream(baseline) })).suspect).toBeNull();
    const rewritten = baseline.map((e) => (e.type === 'file' ? { ...e, sha256: 'f'.repeat(64) } : e));
    const verdict = await guard({ ...view, entries: stream(rewritten) });
    expect(verdict.suspect?.reasons.join(' ')).toMatch(/changed content but kept their size/);
  });

  it('counts files renamed with an extra extension only when the old name is gone (this snapshot read again for those names)', async () => {
    const { view, baseline } = await setUp();
    const guard = snapshotGuard(
      { guard: guardSchema.parse({ ransomware: { minFiles: 3, sampleFiles: 0 } }), drill: { requiredFiles: [] } },
      { allowShrink: false, log: silentLogger() },
    );
    // The three tables renamed away; the database gains a look-alike beside it (its old name stays).
    const renamed = baseline.map((e) => (e.path.endsWith('.V2$') ? { ...e, path: `${e.path}.zzz` } : e));
    const db = baseline.find((e) => e.path === 'AVImark.db$');
    if (!db) throw new Error('fixture');
    const entries = [...renamed, { ...db, path: 'AVImark.db$.zzz' }].sort((a, b) => comparePaths(a.path, b.path));
    const verdict = await guard({ ...view, entries: stream(entries) });
    expect(verdict.suspect?.reasons).toEqual([expect.stringMatching(/^3 files were renamed with an extra extension/)]);
  });
});
