import { describe, expect, it } from 'vitest';
import type { AfterBackupResult } from '../../../src/cycle/after-backup';
import { type AfterNightResult, runAfterNight } from '../../../src/cycle/after-night';
import { silentLogger } from '../../../src/log/logger';

const ok: AfterNightResult = { status: 'ok', message: 'offsite copy of S OK', summary: {} };

describe('step 8 of the night (the offsite copy)', () => {
  it('runs after a committed snapshot, not when not configured or nothing was committed', async () => {
    const calls: string[] = [];
    const step = async (id: string) => {
      calls.push(id);
      return ok;
    };
    expect(await runAfterNight(step, 'S', null, silentLogger())).toBe(ok);
    expect(await runAfterNight(undefined, 'S', null, silentLogger())).toBeNull();
    expect(await runAfterNight(step, null, null, silentLogger())).toBeNull();
    expect(calls).toEqual(['S']);
  });

  it('a snapshot verification found damaged never goes offsite', async () => {
    const after = {
      verify: { problems: [{ kind: 'changed', path: 'A', detail: 'x' }] },
    } as unknown as AfterBackupResult;
    let called = false;
    const r = await runAfterNight(
      async () => {
        called = true;
        return ok;
      },
      'S',
      after,
      silentLogger(),
    );
    expect(called).toBe(false);
    expect(r).toMatchObject({ status: 'skipped', message: 'offsite copy skipped: verification found damage' });
  });

  it('a snapshot the ransomware guard marked suspect never goes offsite (offsite retention is pruning, held too)', async () => {
    let called = false;
    const r = await runAfterNight(
      async () => {
        called = true;
        return ok;
      },
      'S',
      null,
      silentLogger(),
      true,
    );
    expect(called).toBe(false);
    expect(r).toMatchObject({ status: 'skipped' });
    expect(r?.message).toMatch(/offsite copy held: snapshot S is marked suspect/);
  });
});
