import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardSchema } from '../../../src/config/schema';
import { snapshotGuard } from '../../../src/cycle/guard';
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
