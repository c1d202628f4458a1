import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import {
  type DamageFinding,
  DamageRegistryFormatError,
  clearDamage,
  damageSet,
  emptyRegistry,
  forgetSnapshots,
  mustCopyFresh,
  readDamageRegistry,
  recordDamage,
  updateDamageRegistry,
  writeDamageRegistry,
} from '../../../src/store/damage-registry';
import { damageRegistryPath } from '../../../src/guard/paths';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-guard-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const now = new Date('2026-03-01T03:00:00Z');
const S1 = '2026-02-27_020000';
const S2 = '2026-02-28_020000';
const S3 = '2026-03-01_020000';
const finding = (over: Partial<DamageFinding>): DamageFinding => ({
  snapshotId: S1,
  path: 'ANIMAL.V2$',
  key: '5:100',
  sha256: 'a'.repeat(64),
  size: 392,
  detail: 'content differs',
  ...over,
});

describe('mustCopyFresh', () => {
  it('refuses a link to a damaged stored file, found through any snapshot that shares it', () => {
    const registry = recordDamage(emptyRegistry(), [finding({})], now);
    const damaged = damageSet(registry);
    // the same inode reached through the newer snapshot (a hard link): copy fresh
    expect(mustCopyFresh({ snapshotId: S2, path: 'ANIMAL.V2$', key: '5:100' }, damaged)).toBe(true);
    // the place itself, identity not known yet (checked before linking)
    expect(mustCopyFresh({ snapshotId: S1, path: 'ANIMAL.V2$' }, damaged)).toBe(true);
    // other files, or the same path on another (fresh) inode
    expect(mustCopyFresh({ snapshotId: S2, path: 'CLIENT.V2$', key: '5:101' }, damaged)).toBe(false);
    expect(mustCopyFresh({ snapshotId: S3, path: 'ANIMAL.V2$', key: '5:999' }, damaged)).toBe(false);
    expect(mustCopyFresh({ snapshotId: S1, path: 'ANIMAL.V2$', key: '5:1' }, damageSet(emptyRegistry()))).toBe(false);
  });
});

describe('registry updates', () => {
  it('merges findings of the same inode from several snapshots, and missing files by place', () => {
    let r = recordDamage(emptyRegistry(), [finding({}), finding({ snapshotId: S2 })], now);
    r = recordDamage(
      r,
      [finding({ snapshotId: S2 }), finding({ path: 'GONE.V2$', key: null, detail: 'missing' })],
      now,
    );
    expect(r.records).toHaveLength(2);
    expect(r.records[0].locations).toEqual([
      { snapshotId: S1, path: 'ANIMAL.V2$' },
      { snapshotId: S2, path: 'ANIMAL.V2$' },
    ]);
    expect(r.records[0].foundAt).toBe(now.toISOString());
    // a later finding gives the missing one its identity
    r = recordDamage(r, [finding({ path: 'GONE.V2$', key: '5:7' })], now);
    expect(r.records[1].key).toBe('5:7');
  });

  it('clears healed inodes and places verified intact; keeps the rest', () => {
    const r = recordDamage(
      emptyRegistry(),
      [finding({}), finding({ path: 'B', key: '5:2' }), finding({ path: 'M', key: null })],
      now,
    );
    const healed = clearDamage(r, { healedKeys: ['5:100'] });
    expect(healed.records.map((x) => x.locations[0].path)).toEqual(['B', 'M']);
    const good = clearDamage(healed, { verifiedGood: [{ snapshotId: S1, path: 'M', key: '5:9' }] });
    expect(good.records.map((x) => x.locations[0].path)).toEqual(['B']);
    expect(r.records).toHaveLength(3);
  });

  it('forgetting pruned snapshots keeps a record while it has an identity', () => {
    const r = recordDamage(emptyRegistry(), [finding({}), finding({ path: 'M', key: null })], now);
    const after = forgetSnapshots(r, new Set([S2, S3]));
    expect(after.records).toHaveLength(1);
    expect(after.records[0]).toMatchObject({ key: '5:100', locations: [] });
    expect(mustCopyFresh({ snapshotId: S2, path: 'ANIMAL.V2$', key: '5:100' }, damageSet(after))).toBe(true);
  });
});

describe('registry file', () => {
  it('round-trips through DEST/meta/damaged.json; no file means no damage', async () => {
    const dest = await tempDir();
    const file = damageRegistryPath(dest);
    expect(file).toBe(path.join(dest, 'meta', 'damaged.json'));
    expect(await readDamageRegistry(localFs, file)).toEqual(emptyRegistry());
    const r = recordDamage(emptyRegistry(), [finding({})], now);
    await writeDamageRegistry(localFs, file, r);
    expect(await readDamageRegistry(localFs, file)).toEqual(r);
  });

  it('a registry that does not parse is an error, never "no damage"', async () => {
    const dest = await tempDir();
    const file = damageRegistryPath(dest);
    await writeDamageRegistry(localFs, file, emptyRegistry());
    await writeFile(file, '{"format":"avimark-backup-damage","version":1,"records":[{"key":1}]}');
    await expect(readDamageRegistry(localFs, file)).rejects.toThrow(/record 1 is malformed/);
    await writeFile(file, '{"format":');
    await expect(readDamageRegistry(localFs, file)).rejects.toBeInstanceOf(DamageRegistryFormatError);
    await writeFile(file, '{"format":"other","version":1,"records":[]}');
    await expect(readDamageRegistry(localFs, file)).rejects.toThrow(/not an avimark-backup damage registry/);
  });

  it('a place outside a snapshot (an altered registry: repair writes there) makes the record malformed', async () => {
    const dest = await tempDir();
    const file = damageRegistryPath(dest);
    const good = recordDamage(emptyRegistry(), [finding({})], now);
    await writeDamageRegistry(localFs, file, good);
    expect(await readDamageRegistry(localFs, file)).toEqual(good);
    const place = good.records[0].locations[0];
    for (const bad of [
      { ...place, path: '../../../Windows/evil.dll' },
      { ...place, path: '' },
      { ...place, snapshotId: '../../x' },
    ]) {
      const altered = { ...good, records: [{ ...good.records[0], locations: [bad] }] };
      await writeFile(file, JSON.stringify(altered));
      await expect(readDamageRegistry(localFs, file), JSON.stringify(bad)).rejects.toThrow(/record 1 is malformed/);
    }
  });

  it("two updates at once (a hand-run verify beside the night's scrub) both keep their findings", async () => {
    const dest = await tempDir();
    const file = damageRegistryPath(dest);
    // Every read of the registry waits until both updates have read it once: without serialising, both
    // would modify the same (empty) registry and the second write would drop the first one's finding.
    let reads = 0;
    let bothRead: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    const slowFs: FileSystem = {
      ...localFs,
      readFile: (async (...args: Parameters<FileSystem['readFile']>) => {
        const text = await localFs.readFile(...args);
        if (String(args[0]) === file) {
          reads += 1;
          if (reads >= 2) bothRead();
          await Promise.race([gate, new Promise((r) => setTimeout(r, 300))]);
        }
        return text;
      }) as FileSystem['readFile'],
    };
    await Promise.all([
      updateDamageRegistry(slowFs, dest, { findings: [finding({ path: 'A.V2$', key: '5:1' })] }, now),
      updateDamageRegistry(slowFs, dest, { findings: [finding({ path: 'B.V2$', key: '5:2' })] }, now),
    ]);
    const kept = (await readDamageRegistry(localFs, file)).records.map((r) => r.key).sort();
    expect(kept).toEqual(['5:1', '5:2']);
  });
});
