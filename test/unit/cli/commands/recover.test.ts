/**
 * Issue 13 §6: how long `recover` waits for a server that is still booting comes from
 * lockout.recoverWaitMinutes, and `recover --wait-minutes` overrides it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { recoverCommand } from '../../../../src/cli/commands/recover';
import type { WindowsHost } from '../../../../src/host/types';
import { newJournal } from '../../../../src/lockout/journal';
import { LockoutSession } from '../../../../src/lockout/session';
import { DENY_ALL_SHARE_SDDL } from '../../../../src/lockout/steps';
import { silentLogger } from '../../../../src/log/logger';
import { hospital, serverSnapshot } from '../../../helpers/hospital';

type Hospital = Awaited<ReturnType<typeof hospital>>;
let h: Hospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** The share is locked and the process that locked it is gone; then the Server service answers only after `failures` reads. */
async function lockedShare(hh: Hospital, failures: number): Promise<WindowsHost> {
  const original = await hh.host.getShare('AVImark');
  if (!original) throw new Error('no share');
  const session = new LockoutSession({
    host: hh.host,
    stateDir: hh.stateDir,
    journal: { ...newJournal('backup', hh.source), owner: { ...newJournal('backup', hh.source).owner, pid: 999_999 } },
    log: silentLogger(),
  });
  await session.begin();
  await session.lockOut([{ kind: 'lockShareSddl', share: 'AVImark', original, lockedSddl: DENY_ALL_SHARE_SDDL }]);
  let left = failures;
  return new Proxy(hh.host, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop !== 'getShare') return value.bind(target);
      return async (...args: unknown[]) => {
        if (left-- > 0) throw new Error('The Server service is not started.');
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

async function recover(hh: Hospital, host: WindowsHost, config: Record<string, unknown>, waitMinutes?: number) {
  const file = path.join(hh.dir, 'config.json');
  await writeFile(file, JSON.stringify({ source: hh.source, destination: hh.dest, stateDir: hh.stateDir, ...config }));
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  await recoverCommand({ config: file, waitMinutes }, { host, log });
  return lines.filter((l) => l.includes('does not answer yet')).length;
}

describe('recover: waiting for a server that is still booting', () => {
  it('waits as long as lockout.recoverWaitMinutes allows, then gives back anyway', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const host = await lockedShare(h, 2);
    // 1.8 s: room for one wait of 1 s, not for the next of 1.5 s (the default 5 minutes would wait twice).
    const retries = await recover(h, host, { lockout: { recoverWaitMinutes: 0.03 } });
    expect(retries).toBe(1);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('--wait-minutes 0 overrides the config: no waiting, give-back is tried at once', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const host = await lockedShare(h, 1);
    const retries = await recover(h, host, { lockout: { recoverWaitMinutes: 10 } }, 0);
    expect(retries).toBe(0);
    // The probe failed once; give-back itself reads the share again and succeeds.
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });
});
