import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifySnapshot } from '../../src/engine/verify';
import { listSnapshots } from '../../src/store/snapshots';
import { collect, runCli, startCli, tempDir } from '../helpers/cli';
import { buildStore, dailyIds } from '../helpers/store';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-prune-kill-'));
});
afterEach(async () => cleanup());

async function waitForLogLine(logDir: string, needle: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const names = await readdir(logDir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('-prune.log'))) {
      if ((await readFile(path.join(logDir, name), 'utf8')).includes(needle)) return true;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

describe('prune killed with SIGKILL in the middle', () => {
  it('never leaves a listed snapshot that does not verify, and the next prune finishes the job', async () => {
    const dest = path.join(dir, 'dest');
    const ids = dailyIds('2026-11-01', 12);
    const common: Record<string, string> = {};
    for (let i = 0; i < 150; i++) common[`Data/F${String(i).padStart(3, '0')}.V2$`] = `record set ${i}`;
    await buildStore(
      dest,
      ids.map((id, n) => ({ id, files: { ...common, 'CLIENT.V2$': `clients ${n}` } })),
    );
    const config = path.join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        source: path.join(dir, 'live'),
        destination: dest,
        stateDir: path.join(dir, 'state'),
        retention: { keepLast: 2, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
      }),
    );

    const child = startCli(['prune', '--config', config]);
    const done = collect(child, 120_000);
    const sawRemoval = await waitForLogLine(path.join(dir, 'state', 'logs'), 'removing snapshot', 60_000);
    child.kill('SIGKILL');
    const killed = await done;
    expect(sawRemoval).toBe(true);

    // Whatever the moment of the kill: every snapshot still listed is complete and intact.
    const listed = await listSnapshots(dest);
    expect(listed.map((s) => s.id)).toContain(ids[11]);
    for (const snapshot of listed) {
      const { record } = await verifySnapshot(snapshot, { writeRecord: false });
      expect(record.ok, `${snapshot.id} after the kill (exit ${String(killed.code)}/${String(killed.signal)})`).toBe(
        true,
      );
    }

    const again = await runCli(['prune', '--config', config, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((await listSnapshots(dest)).map((s) => s.id)).toEqual(ids.slice(10));
    expect(await readdir(path.join(dest, 'in-progress'))).toEqual([]);
    expect((await readdir(path.join(dest, 'meta'))).sort()).toEqual(ids.slice(10));
    for (const snapshot of await listSnapshots(dest)) {
      expect((await verifySnapshot(snapshot, { writeRecord: false })).record.ok).toBe(true);
    }
  });
});
