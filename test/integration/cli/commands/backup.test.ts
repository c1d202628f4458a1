import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupCommand } from '../../../../src/cli/commands/backup';
import type { WindowsHost } from '../../../../src/host/types';
import { silentLogger } from '../../../../src/log/logger';
import { readRunRecord } from '../../../../src/store/run-record';
import { listSnapshots } from '../../../../src/store/snapshots';
import { hospital, serverSnapshot } from '../../../helpers/hospital';

/**
 * `backup --mode` (issue 16 §2) in a full locked-out run on the memory host: the flag, not the config,
 * decides how AVImark is taken offline, and the server is given back exactly as it was.
 */

type Hospital = Awaited<ReturnType<typeof hospital>>;
let h: Hospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function configFile(hh: Hospital, mode: string): Promise<string> {
  const file = path.join(hh.dir, 'config.json');
  const config = {
    source: hh.source,
    destination: hh.dest,
    stateDir: hh.stateDir,
    mode,
    verify: { after: 'none' },
    lockout: {
      services: [{ name: 'AVImarkServer' }, { name: 'VetLogicSync' }],
      gracePeriodSeconds: 1,
      warnMinutes: [0],
    },
  };
  await writeFile(file, JSON.stringify(config));
  return file;
}

const deps = (host: WindowsHost) => ({ host, log: silentLogger(), handleSignals: false });
const shadowCopiesMade = (hh: Hospital) => hh.state.calls.filter((c) => c.operation === 'createShadowCopy').length;

async function recordedMode(hh: Hospital): Promise<string> {
  const latest = (await listSnapshots(hh.dest)).at(-1);
  if (!latest) throw new Error('no snapshot was made');
  return (await readRunRecord(hh.dest, latest.id)).mode;
}

describe('backup --mode overrides the config in a locked-out run', () => {
  it('the config says vss: without --mode a shadow copy is made', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const config = await configFile(h, 'vss');
    const r = await backupCommand({ config, lockout: true, json: true }, deps(h.host));
    expect(r.exitCode).toBe(0);
    expect(await recordedMode(h)).toBe('vss');
    expect(shadowCopiesMade(h)).toBe(1);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('the config says vss, --mode offline: no shadow copy, the copy runs offline, AVImark given back', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const config = await configFile(h, 'vss');
    const r = await backupCommand({ config, lockout: true, json: true, mode: 'offline' }, deps(h.host));
    expect(r.exitCode).toBe(0);
    expect(await recordedMode(h)).toBe('offline');
    expect(shadowCopiesMade(h)).toBe(0);
    expect(h.state.shadowCopies).toEqual([]);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('the config says offline, --mode vss: a shadow copy is made and removed', async () => {
    h = await hospital();
    const config = await configFile(h, 'offline');
    const r = await backupCommand({ config, lockout: true, json: true, mode: 'vss' }, deps(h.host));
    expect(r.exitCode).toBe(0);
    expect(await recordedMode(h)).toBe('vss');
    expect(shadowCopiesMade(h)).toBe(1);
    expect(h.state.shadowCopies).toEqual([]);
  });
});
