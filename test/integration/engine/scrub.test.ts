import { chmodSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scrubStore } from '../../../src/cycle/scrub';
import { runBackup } from '../../../src/engine/backup';
import { localFs } from '../../../src/fs/local';
import { scrubStatePath } from '../../../src/guard/paths';
import { readScrubState } from '../../../src/guard/scrub-state';
import { silentLogger } from '../../../src/log/logger';
import { damageRegistryPath, readDamageRegistry } from '../../../src/store/damage-registry';
import { tempDir } from '../../helpers/cli';
import { engineConfig, pseudoRandom, writeTree } from '../../helpers/tree';

/** Issue 14 item 3: the rolling scrub re-reads every stored file within verify.scrubDays nights. */

const log = silentLogger();
const DAY = 86_400_000;
let dir: string;
let cleanup: () => Promise<void>;
let src: string;
let dest: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-scrub-'));
  src = path.join(dir, 'AVImark');
  dest = path.join(dir, 'backups');
});
afterEach(async () => cleanup());

async function twoSnapshots(): Promise<void> {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 12; i += 1) files[`T${i}.V2$`] = pseudoRandom(1000 * (i + 1), i);
  writeTree(src, files);
  let t = new Date(2026, 10, 1, 2).getTime();
  const now = () => new Date((t += 1000));
  await runBackup({ source: src, dest, engine: engineConfig(), log, now });
  writeFileSync(path.join(src, 'T0.V2$'), pseudoRandom(5000, 99));
  await runBackup({ source: src, dest, engine: engineConfig(), log, now });
}

describe('rolling scrub', () => {
  it('covers every stored file within scrubDays simulated nights, a slice each night', async () => {
    await twoSnapshots();
    const start = new Date(2026, 10, 2, 3).getTime();
    const scrubDays = 4;
    const read: number[] = [];
    let last = null;
    for (let night = 0; night < scrubDays; night += 1) {
      last = await scrubStore(dest, { scrubDays, now: () => new Date(start + night * DAY), log });
      read.push(last.filesRead);
      expect(last.problems).toEqual([]);
      if (night === 0) {
        expect(last.coverage.percent).toBeLessThan(100);
        expect(last.coverage.oldest?.verifiedAt).toBeNull();
      }
    }
    // 13 stored files (12 shared by both snapshots, plus the changed T0), a part of them each night
    // (files that would be overdue by the next night are read again on the last one).
    expect(read.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(13);
    expect(read.every((n) => n > 0 && n < 13)).toBe(true);
    expect(last?.coverage).toMatchObject({ files: 13, filesCovered: 13, percent: 100 });
    // The oldest file was re-hashed within the last scrubDays days.
    const oldest = Date.parse(last?.coverage.oldest?.verifiedAt ?? '');
    expect(oldest).toBeGreaterThan(start + (scrubDays - 1) * DAY - scrubDays * DAY);
    const { state } = await readScrubState(localFs, scrubStatePath(dest));
    expect(state.size).toBe(13);
    // The next night starts the round again with the files verified longest ago.
    const again = await scrubStore(dest, { scrubDays, now: () => new Date(start + scrubDays * DAY), log });
    expect(again.filesRead).toBeGreaterThan(0);
    expect(again.coverage.percent).toBe(100);
  });

  it('damage found by the scrub is reported and recorded for the next backup', async () => {
    await twoSnapshots();
    const ids = (await import('node:fs')).readdirSync(path.join(dest, 'snapshots')).sort();
    const file = path.join(dest, 'snapshots', ids[0] as string, 'T5.V2$');
    const st = statSync(file);
    chmodSync(file, 0o644);
    const bytes = readFileSync(file);
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    writeFileSync(file, bytes);
    chmodSync(file, 0o444);
    utimesSync(file, st.atime, st.mtime);
    const result = await scrubStore(dest, { scrubDays: 1, now: () => new Date(2026, 10, 2, 3), log });
    expect(result.filesRead).toBe(13);
    expect(result.problems.map((p) => p.path)).toEqual([`${ids[0]}/T5.V2$`]);
    const registry = await readDamageRegistry(localFs, damageRegistryPath(dest));
    expect(registry.records.map((r) => r.locations[0]?.path)).toEqual(['T5.V2$']);
    expect(result.coverage.filesCovered).toBe(12);
  });
});
