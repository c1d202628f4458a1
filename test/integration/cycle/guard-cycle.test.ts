import { readdir, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupCommand } from '../../../src/cli/commands/backup';
import { silentLogger } from '../../../src/log/logger';
import { EventId } from '../../../src/report/event-log';
import { readLastRun } from '../../../src/state/last-run';
import { listSnapshots } from '../../../src/store/snapshots';
import { hospital, serverSnapshot } from '../../helpers/hospital';
import { avimarkTree, encrypt, writeTree } from '../../unit/guard/avimark-records';

/**
 * The guards inside the nightly cycle (lockout mode, memory host): a suspect night is committed after
 * AVImark is given back, exits 5 with its own Event Log entry (1030), is recorded in last-run.json with
 * exit 5, leaves `latest` alone and holds the automatic prune; a shrunken night fails (exit 1) with
 * AVImark given back and nothing committed.
 */

type Hospital = Awaited<ReturnType<typeof hospital>>;
let h: Hospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function configFile(hh: Hospital): Promise<string> {
  const file = path.join(hh.dir, 'config.json');
  await writeFile(
    file,
    JSON.stringify({
      source: hh.source,
      destination: hh.dest,
      stateDir: hh.stateDir,
      mode: 'offline',
      verify: { after: 'none' },
      retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, auto: true },
      lockout: {
        services: [{ name: 'AVImarkServer' }, { name: 'VetLogicSync' }],
        gracePeriodSeconds: 1,
        warnMinutes: [0],
      },
      alerts: { eventLog: { enabled: true, source: 'avimark-backup' } },
    }),
  );
  return file;
}

const deps = (hh: Hospital) => ({ host: hh.host, log: silentLogger(), handleSignals: false });
const eventIds = (hh: Hospital) => hh.state.events.map((e) => e.eventId);

describe('snapshot guards in the nightly cycle', () => {
  it('an encrypted night: exit 5, event 1030, last-run exit 5, latest unchanged, automatic prune held', async () => {
    h = await hospital();
    const files = avimarkTree(5);
    await writeTree(h.source, files);
    const config = await configFile(h);
    const good = await backupCommand({ config, lockout: true, json: true }, deps(h));
    expect(good.exitCode, good.text).toBe(0);
    const goodId = (good.json as { snapshotId: string }).snapshotId;

    for (const f of files.filter((x) => x.path.startsWith('TABLE')))
      await writeFile(path.join(h.source, f.path), encrypt(f.data));
    const before = await serverSnapshot(h.state, h.source);
    const bad = await backupCommand({ config, lockout: true, json: true }, deps(h));
    expect(bad.exitCode, bad.text).toBe(5);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    const json = bad.json as { snapshotId: string; suspect: boolean; suspectReasons: string[]; warnings: string[] };
    expect(json.suspect).toBe(true);
    expect(json.suspectReasons.join(' ')).toMatch(/kept their size/);
    expect(json.warnings.join(' ')).toMatch(/pruning is held/);
    expect(bad.text.split('\n')[0]).toMatch(/^SUSPECT: snapshot .* looks like ransomware at work/);

    expect(eventIds(h)).toEqual([
      EventId.RunStarted,
      EventId.RunSucceeded,
      EventId.RunStarted,
      EventId.SuspectSnapshot,
    ]);
    const event = h.state.events[3];
    expect(event.level).toBe('Error');
    expect(event.message).toMatch(/SUSPECT snapshot .*exit code 5/);

    const last = await readLastRun(h.stateDir);
    expect(last).toMatchObject({ exitCode: 5, snapshotId: json.snapshotId });
    expect(last?.message).toMatch(/ransomware/);
    expect((await listSnapshots(h.dest)).map((s) => s.id)).toEqual([goodId, json.snapshotId]);
    expect(path.basename(await readlink(path.join(h.dest, 'latest')))).toBe(goodId);

    // The next night compares with the last TRUSTED snapshot, not the suspect one: still suspect.
    const third = await backupCommand({ config, lockout: true, json: true }, deps(h));
    expect(third.exitCode, third.text).toBe(5);
    expect((await listSnapshots(h.dest)).map((s) => s.id)).toHaveLength(3);
    expect(path.basename(await readlink(path.join(h.dest, 'latest')))).toBe(goodId);
  }, 120_000);

  it('an emptied source: exit 1 after AVImark was given back, nothing committed, nothing pruned', async () => {
    h = await hospital();
    await writeTree(h.source, avimarkTree(9));
    const config = await configFile(h);
    const good = await backupCommand({ config, lockout: true, json: true }, deps(h));
    expect(good.exitCode, good.text).toBe(0);
    const goodId = (good.json as { snapshotId: string }).snapshotId;
    for (const name of await readdir(h.source))
      if (name !== 'avimark.exe') await rm(path.join(h.source, name), { recursive: true });
    const before = await serverSnapshot(h.state, h.source);
    const err = await backupCommand({ config, lockout: true, json: true }, deps(h)).catch((e: unknown) => e);
    expect((err as { exitCode: number }).exitCode).toBe(1);
    expect((err as Error).message).toMatch(/the source has 1 file .*the previous snapshot had \d+ files/);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    expect((await listSnapshots(h.dest)).map((s) => s.id)).toEqual([goodId]);
    expect(eventIds(h).at(-1)).toBe(EventId.RunFailed);
  }, 120_000);
});
