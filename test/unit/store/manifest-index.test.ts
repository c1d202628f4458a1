import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { openManifest, sharedAttributes, writeManifest } from '../../../src/store/manifest';
import type { ManifestEntry } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-mindex-')));
afterEach(async () => cleanup());

const file = (p: string, mode: number): ManifestEntry => ({
  path: p,
  type: 'file',
  size: 1,
  mtimeNs: '7',
  sha256: 'a'.repeat(64),
  attributes: { mode, readonly: (mode & 0o200) === 0 },
});

describe('manifest attributes', () => {
  it('shares one frozen attributes object per distinct mode', () => {
    const a = sharedAttributes(0o444, true);
    expect(sharedAttributes(0o444, true)).toBe(a);
    expect(sharedAttributes(0o644, false)).not.toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toEqual({ mode: 0o444, readonly: true });
  });

  it("reads entries whose equal attributes are one object, the engine's, with the values as written", async () => {
    const m = path.join(dir, 'manifest.jsonl');
    const entries = [file('a', 0o444), file('b', 0o444), file('c', 0o644)];
    await writeManifest(
      localFs,
      m,
      { format: 'avimark-backup-manifest', version: 1, snapshotId: '2026-11-26_010000', source: '/s', createdAt: 't' },
      entries,
      entries.length,
    );
    const read: ManifestEntry[] = [];
    for await (const e of (await openManifest(localFs, m)).entries) read.push(e);
    expect(read).toEqual(entries);
    expect(read[0].attributes).toBe(read[1].attributes);
    expect(read[0].attributes).toBe(sharedAttributes(0o444, true)); // the engine's own (linkedEntry compares them)
    expect(read[2].attributes).not.toBe(read[0].attributes);
  });
});
