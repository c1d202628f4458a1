import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunLog } from '../../../src/log/logger';
import { type OffsiteSettings, runOffsiteAfterNight } from '../../../src/offsite/night';
import { freePort, PASSWORD, RESTIC, cli, type Fixture, fixture, randomText } from './harness';

const ID1 = '2026-11-25_020000';
const ID2 = '2026-11-26_020000';
const files = { 'CLIENT.V2$': randomText(300_000), 'ANIMAL.V2$': 'animals' };

let fx: Fixture;
let logDir: string;
beforeAll(async () => {
  fx = await fixture([
    { id: ID1, files },
    { id: ID2, files: { ...files, 'ANIMAL.V2$': 'animals v2' } },
  ]);
  logDir = path.join(fx.dir, 'night-logs');
  expect((await cli(['offsite', 'init', '--config', fx.configFile])).code).toBe(0);
});
afterAll(async () => fx.cleanup());

function settings(offsite: Partial<NonNullable<OffsiteSettings['offsite']>> = {}): OffsiteSettings {
  return {
    stateDir: fx.stateDir,
    destination: fx.dest,
    source: null,
    offsite: {
      restic: RESTIC,
      repository: fx.repo,
      passwordFile: fx.passwordFile,
      everyNights: 1,
      timeLimitMinutes: 10,
      retention: 'append-only',
      scrubDays: 7,
      maxAgeDays: 3,
      ...offsite,
    },
  };
}
const log = () => openRunLog({ level: 'debug', console: 'off', runName: 'night', logDir }).logger;

describe('runOffsiteAfterNight (the nightly cycle calls it after commit + verify)', () => {
  it('pushes, then checks one slice', async () => {
    const r = await runOffsiteAfterNight(settings(), ID1, log(), new Date('2026-11-25T02:30:00'));
    expect(r.status, r.message).toBe('ok');
    expect(r.push).toMatchObject({ snapshotId: ID1, uploaded: true });
    expect(r.verify).toMatchObject({ ok: true, subset: '1/7' });
    expect(r.message).toMatch(/offsite copy of 2026-11-25_020000 OK/);
  });

  it('respects everyNights', async () => {
    const state = JSON.parse(await readFile(path.join(fx.stateDir, 'offsite-state.json'), 'utf8'));
    const lastPushDay = new Date(state.lastPush.at);
    const sameNight = new Date(lastPushDay.getTime() + 60_000);
    const r = await runOffsiteAfterNight(settings({ everyNights: 2 }), ID2, log(), sameNight);
    expect(r).toMatchObject({ status: 'skipped', push: null });
    expect(r.message).toMatch(/every 2 nights/);
    const later = new Date(lastPushDay.getTime() + 2 * 86_400_000);
    const r2 = await runOffsiteAfterNight(settings({ everyNights: 2 }), ID2, log(), later);
    expect(r2.status, r2.message).toBe('ok');
  });

  it('an unreachable repository is a failed result, not an exception', async () => {
    const port = await freePort();
    const r = await runOffsiteAfterNight(
      settings({ repository: `rest:http://127.0.0.1:${port}/nothing-here` }),
      ID2,
      log(),
    );
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/^offsite copy failed: .*cannot be reached/);
  });

  it('a wrong password and a missing restic are failed results with clear messages', async () => {
    const wrong = path.join(fx.dir, 'secret', 'wrong.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(wrong, 'nope\n'));
    const r = await runOffsiteAfterNight(settings({ passwordFile: wrong }), ID2, log());
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/password in offsite\.passwordFile does not open/);
    const missing = await runOffsiteAfterNight(settings({ restic: '/nonexistent/restic' }), ID2, log());
    expect(missing.status).toBe('failed');
    expect(missing.message).toMatch(/offsite\.restic: \/nonexistent\/restic was not found/);
  });

  it('no log line holds the password', async () => {
    for (const f of await readdir(logDir)) expect(await readFile(path.join(logDir, f), 'utf8')).not.toContain(PASSWORD);
  });
});
