import { chmodSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackup } from '../../../src/engine/backup';
import { verifySnapshot } from '../../../src/engine/verify';
import { silentLogger } from '../../../src/log/logger';
import { damageRegistryPath, readDamageRegistry } from '../../../src/store/damage-registry';
import { localFs } from '../../../src/fs/local';
import { resolveSnapshotId } from '../../../src/store/snapshots';
import { tempDir } from '../../helpers/cli';
import { engineConfig, inodeOf, writeTree } from '../../helpers/tree';

/** Issue 14 item 1: a damaged stored copy is never linked into a new snapshot. */

const log = silentLogger();
let dir: string;
let cleanup: () => Promise<void>;
let src: string;
let dest: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-damage-'));
  src = path.join(dir, 'AVImark');
  dest = path.join(dir, 'backups');
});
afterEach(async () => cleanup());

function clock(start = new Date(2026, 10, 26, 2, 0, 0)): () => Date {
  let t = start.getTime();
  return () => new Date((t += 1000));
}

/** Changes one byte of a stored file in place (same size, same time): what bit rot looks like. */
function flipByte(file: string): void {
  const st = statSync(file);
  chmodSync(file, 0o644);
  const bytes = readFileSync(file);
  bytes[3] = (bytes[3] ?? 0) ^ 0xff;
  writeFileSync(file, bytes);
  chmodSync(file, 0o444);
  utimesSync(file, st.atime, st.mtime);
}

describe('damage never spreads', () => {
  it('a file verify found damaged is copied fresh by the next backup, not linked', async () => {
    writeTree(src, { 'ANIMAL.V2$': 'animal records '.repeat(100), 'CLIENT.V2$': 'clients '.repeat(50) });
    const now = clock();
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    const stored = path.join(dest, 'snapshots', first.record.snapshotId, 'ANIMAL.V2$');
    flipByte(stored);

    const snapshot = await resolveSnapshotId(dest, first.record.snapshotId);
    const verdict = await verifySnapshot(snapshot, { dest, logger: log });
    expect(verdict.record.damaged).toEqual(['ANIMAL.V2$']);
    const registry = await readDamageRegistry(localFs, damageRegistryPath(dest));
    expect(registry.records.map((r) => r.key)).toEqual([
      `${statSync(stored, { bigint: true }).dev}:${inodeOf(stored)}`,
    ]);

    const second = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    const fresh = path.join(dest, 'snapshots', second.record.snapshotId, 'ANIMAL.V2$');
    expect(inodeOf(fresh)).not.toBe(inodeOf(stored));
    expect(readFileSync(fresh)).toEqual(readFileSync(path.join(src, 'ANIMAL.V2$')));
    // The intact file is still shared.
    expect(inodeOf(path.join(dest, 'snapshots', second.record.snapshotId, 'CLIENT.V2$'))).toBe(
      inodeOf(path.join(dest, 'snapshots', first.record.snapshotId, 'CLIENT.V2$')),
    );
    expect(second.record.warnings.join('\n')).toContain('ANIMAL.V2$');
  });

  it('with --checksum a stored copy whose content differs from the manifest is copied fresh (empty registry)', async () => {
    writeTree(src, { 'ANIMAL.V2$': 'animal records '.repeat(100), 'CLIENT.V2$': 'clients '.repeat(50) });
    const now = clock();
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now });
    const stored = path.join(dest, 'snapshots', first.record.snapshotId, 'ANIMAL.V2$');
    flipByte(stored);

    const second = await runBackup({ source: src, dest, engine: engineConfig(), log, now, checksum: true });
    const fresh = path.join(dest, 'snapshots', second.record.snapshotId, 'ANIMAL.V2$');
    expect(inodeOf(fresh)).not.toBe(inodeOf(stored));
    expect(readFileSync(fresh)).toEqual(readFileSync(path.join(src, 'ANIMAL.V2$')));
    expect(inodeOf(path.join(dest, 'snapshots', second.record.snapshotId, 'CLIENT.V2$'))).toBe(
      inodeOf(path.join(dest, 'snapshots', first.record.snapshotId, 'CLIENT.V2$')),
    );
  });

  it('a verification that reads the file intact again clears it from the registry', async () => {
    writeTree(src, { 'a.dat': 'aaaa' });
    const first = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    const snapshot = await resolveSnapshotId(dest, first.record.snapshotId);
    const stored = path.join(snapshot.dir, 'a.dat');
    flipByte(stored);
    await verifySnapshot(snapshot, { dest, logger: log });
    expect((await readDamageRegistry(localFs, damageRegistryPath(dest))).records).toHaveLength(1);
    flipByte(stored);
    expect((await verifySnapshot(snapshot, { dest, logger: log })).record.ok).toBe(true);
    expect((await readDamageRegistry(localFs, damageRegistryPath(dest))).records).toEqual([]);
  });
});
