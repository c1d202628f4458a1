import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryHost } from '../../../src/host/memory';
import { silentLogger } from '../../../src/log/logger';
import { offsiteRepositoryCheck, resticCheck } from '../../../src/selftest/offsite';
import { runSelftest } from '../../../src/selftest/run';
import type { SelftestSettings } from '../../../src/selftest/types';
import { RESTIC, cli, type Fixture, fixture } from '../offsite/harness';

let fx: Fixture;
beforeAll(async () => {
  fx = await fixture([{ id: '2026-11-25_020000', files: { 'CLIENT.V2$': 'c' } }]);
});
afterAll(async () => fx.cleanup());

function settings(offsite: Partial<NonNullable<SelftestSettings['offsite']>> | null): SelftestSettings {
  return {
    source: null,
    stateDir: fx.stateDir,
    lockout: { share: null },
    alerts: { eventLog: { enabled: false, source: 'avimark-backup' }, email: null },
    offsite:
      offsite === null
        ? null
        : {
            restic: RESTIC,
            repository: fx.repo,
            passwordFile: fx.passwordFile,
            everyNights: 1,
            timeLimitMinutes: 10,
            retention: 'append-only',
            scrubDays: 30,
            maxAgeDays: 3,
            ...offsite,
          },
  };
}

const run = (s: SelftestSettings) =>
  runSelftest({ host: createMemoryHost(), settings: s, log: silentLogger() }, [resticCheck, offsiteRepositoryCheck]);

describe('selftest offsite checks', () => {
  it('are skipped without an offsite section', async () => {
    const report = await run(settings(null));
    expect(report.checks.map((c) => c.status)).toEqual(['skipped', 'skipped']);
  });

  it('report the restic version, a missing repository, a wrong password, and change nothing', async () => {
    const missing = await run(settings({}));
    expect(missing.checks[0]).toMatchObject({ status: 'ok', detail: expect.stringMatching(/restic 0\.\d+\.\d+/) });
    expect(missing.checks[1]).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/no restic repository/),
    });
    expect((await cli(['offsite', 'init', '--config', fx.configFile])).code).toBe(0);
    const before = (await readdir(fx.repo, { recursive: true })).sort();
    const good = await run(settings({}));
    expect(good.checks[1]).toMatchObject({ status: 'ok', detail: expect.stringMatching(/the password opens it/) });
    const wrong = await run(settings({ passwordFile: path.join(fx.dir, 'config.json') }));
    expect(wrong.checks[1]).toMatchObject({ status: 'failed', detail: expect.stringMatching(/does not open/) });
    const absent = await run(settings({ restic: '/nonexistent/restic' }));
    expect(absent.checks[0]).toMatchObject({ status: 'failed', detail: expect.stringMatching(/was not found/) });
    expect((await readdir(fx.repo, { recursive: true })).sort()).toEqual(before);
  });
});
