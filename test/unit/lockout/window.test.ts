import { existsSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptedError, LockoutNotUndoneError, RunFailedError, UsageError, findCause } from '../../../src/errors';
import type { WindowsHost } from '../../../src/host/types';
import type { Journal } from '../../../src/lockout/journal';
import { silentLogger } from '../../../src/log/logger';
import { stepLabel } from '../../../src/lockout/steps';
import {
  type LockoutWindowContext,
  REWARN_AFTER_MS,
  WarningsEndedError,
  type WindowWords,
  withLockout,
} from '../../../src/lockout/window';
import { journalPath } from '../../../src/state/paths';
import { hospital, serverSnapshot } from '../../helpers/hospital';

type Hospital = Awaited<ReturnType<typeof hospital>>;
let h: Hospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const WORDS: WindowWords = {
  work: 'the test work',
  notQuiet: 'nothing was done',
  stepFailed: 'nothing was done',
  afterStop: 'the test left nothing behind',
  watchdogHint: 'raise lockout.maxLockoutMinutes',
  failed: (why) => `the test work failed: ${why}. AVImark was given back.`,
};

const MUTATING = new Set([
  'registerScheduledTask',
  'unregisterScheduledTask',
  'renameFile',
  'setShareSecurityDescriptor',
  'removeShare',
  'closeOpenFiles',
  'closeSessions',
  'stopService',
  'setServiceStartType',
  'requestProcessClose',
  'forceStopProcesses',
]);

function context(hh: Hospital, overrides: Partial<LockoutWindowContext> = {}): LockoutWindowContext {
  return {
    host: hh.host,
    log: silentLogger(),
    stateDir: hh.stateDir,
    lockout: hh.lockout,
    source: hh.source,
    purpose: 'backup',
    backByMinutes: hh.lockout.maxLockoutMinutes,
    now: () => new Date(),
    sleep: async () => undefined,
    words: WORDS,
    handleSignals: false,
    undoRetry: { attempts: 2, firstDelayMs: 5, maxTotalMs: 1000 },
    ...overrides,
  };
}

/** `host` with `wrap` in front of the named operation. */
function intercept(
  host: WindowsHost,
  operation: keyof WindowsHost,
  wrap: (call: (...args: unknown[]) => Promise<unknown>, args: unknown[]) => Promise<unknown>,
): WindowsHost {
  return new Proxy(host, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      return prop === operation ? (...args: unknown[]) => wrap(bound, args) : bound;
    },
  });
}

describe('withLockout: the one lockout window', () => {
  it('runs before → warn → lock out → under → give back → tell users → after, and returns what the lockout cost', async () => {
    h = await hospital();
    const hh = h;
    const before = await serverSnapshot(hh.state, hh.source);
    const order: string[] = [];
    const { value, window } = await withLockout(context(hh), {
      before: async (run) => {
        order.push('before');
        run.warnings.push('a warning from before');
      },
      under: async () => {
        order.push('under');
        expect((await serverSnapshot(hh.state, hh.source)).files).toContain('avimark.exe.avimark-backup-locked');
        return 'held';
      },
      after: async (held, _run, lockedOut) => {
        order.push(`after ${held}`);
        expect(await serverSnapshot(hh.state, hh.source)).toEqual(before);
        expect(hh.state.messages.at(-1)?.text).toMatch(/available again/);
        expect(lockedOut.offlineSeconds).toBeGreaterThan(0);
        return 42;
      },
    });
    expect(order).toEqual(['before', 'under', 'after held']);
    expect(value).toBe(42);
    expect(window.lockoutSteps.map((s) => s.step)).toEqual(window.plan.steps.map(stepLabel));
    expect(window.warnings[0]).toBe('a warning from before');
    expect(existsSync(journalPath(hh.stateDir))).toBe(false);
  });

  it('every lockout step is in the journal as pending before the host is asked to take it', async () => {
    h = await hospital();
    const hh = h;
    const seen: Array<{ operation: string; entries: number; state: string }> = [];
    let underLockout = false;
    const watching = new Proxy(hh.host, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const bound = (value as (...a: unknown[]) => unknown).bind(target);
        if (!MUTATING.has(String(prop))) return bound;
        return (...args: unknown[]) => {
          if (!underLockout) {
            const journal = JSON.parse(readFileSync(journalPath(hh.stateDir), 'utf8')) as Journal;
            const last = journal.entries.at(-1);
            seen.push({ operation: String(prop), entries: journal.entries.length, state: last?.state ?? 'none' });
          }
          return bound(...args);
        };
      },
    }) as WindowsHost;
    const { window } = await withLockout(context(hh, { host: watching }), {
      under: async () => {
        underLockout = true;
      },
      after: async () => undefined,
    });
    expect(seen.length).toBeGreaterThanOrEqual(window.plan.steps.length);
    expect(seen.filter((s) => s.state !== 'pending')).toEqual([]);
    // Each step was journaled (one more entry) before its first host call.
    expect([...new Set(seen.map((s) => s.entries))]).toEqual(window.plan.steps.map((_, i) => i + 1));
  });

  it('an error under lockout gives everything back and is explained in the words of the run (exit 1)', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const boom = new Error('the disk went away');
    let afterRan = false;
    const err = await withLockout(context(h), {
      under: async () => {
        throw boom;
      },
      after: async () => {
        afterRan = true;
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as RunFailedError).message).toBe('the test work failed: the disk went away. AVImark was given back.');
    expect((err as RunFailedError).exitCode).toBe(1);
    expect(findCause(err, Error)).toBe(err);
    expect((err as Error).cause).toBe(boom);
    expect(afterRan).toBe(false);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    expect(h.state.messages.at(-1)?.text).toMatch(/available again/);
    expect(existsSync(journalPath(h.stateDir))).toBe(false);
  });

  it('an AppError under lockout keeps its own exit code and words once AVImark is back', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const own = new UsageError('config something: wrong');
    const err = await withLockout(context(h), {
      under: async () => {
        throw own;
      },
      after: async () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBe(own);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('a step that cannot be undone: exit 4 naming what is still locked; abandon releases what under holds', async () => {
    h = await hospital();
    const hh = h;
    let calls = 0;
    // The first call locks the share; every later one (giving it back) fails.
    const host = intercept(hh.host, 'setShareSecurityDescriptor', async (call, args) => {
      calls += 1;
      if (calls > 1) throw new Error('Access is denied');
      return call(...args);
    });
    const abandoned: string[] = [];
    let afterRan = false;
    const err = await withLockout(context(hh, { host }), {
      under: async () => 'shadow-1',
      abandon: async (held) => {
        abandoned.push(held);
      },
      after: async () => {
        afterRan = true;
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockoutNotUndoneError);
    expect((err as LockoutNotUndoneError).exitCode).toBe(4);
    expect((err as LockoutNotUndoneError).stillLocked.join('\n')).toMatch(/AVImark.*Access is denied/);
    expect(abandoned).toEqual(['shadow-1']);
    expect(afterRan).toBe(false);
    // What could be given back was; the journal stays for `recover`.
    expect(hh.state.services.map((s) => s.startType)).toEqual(['Automatic', 'Manual']);
    expect(existsSync(journalPath(hh.stateDir))).toBe(true);
  });

  it('the watchdog stops the work at lockout.maxLockoutMinutes, logs it, and gives AVImark back (exit 1)', async () => {
    h = await hospital({ maxLockoutMinutes: 0.02 }); // 1.2 s: the lockout steps finish first even on a loaded machine
    const before = await serverSnapshot(h.state, h.source);
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const err = await withLockout(context(h, { log }), {
      under: (run) =>
        new Promise<never>((_resolve, reject) => {
          run.signal.addEventListener('abort', () => reject(run.signal.reason), { once: true });
        }),
      after: async () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect(findCause(err, InterruptedError)).toBeUndefined();
    expect((err as Error).message).toBe(
      'the lockout reached its limit of 0.02 minute(s) (lockout.maxLockoutMinutes): the test work was stopped and AVImark given back; the test left nothing behind',
    );
    expect(lines.join('\n')).toMatch(
      /the lockout reached 0.02 minute\(s\): stopping the test work and giving AVImark back/,
    );
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('a stop from the caller before the lockout: interrupted, nothing locked, nothing to give back', async () => {
    h = await hospital();
    const controller = new AbortController();
    controller.abort();
    let underRan = false;
    const err = await withLockout(context(h, { signal: controller.signal }), {
      under: async () => {
        underRan = true;
      },
      after: async () => undefined,
    }).catch((e: unknown) => e);
    expect(findCause(err, InterruptedError)?.message).toBe(
      'interrupted by abort: AVImark was given back; the test left nothing behind',
    );
    expect(underRan).toBe(false);
    expect(h.state.calls.filter((c) => MUTATING.has(c.operation))).toEqual([]);
  });

  it('an online pass still running when the warnings end is cut short, so the lockout starts when users were told', async () => {
    h = await hospital();
    const hh = h;
    let reason: unknown = null;
    await withLockout(context(hh, { lockout: { ...hh.lockout, warnMinutes: [1, 0] } }), {
      whileWarning: (run) =>
        new Promise<void>((resolve) => {
          // A long pass: it ends only when stopped (or, on code without the bound, after 2 s).
          const t = setTimeout(resolve, 2000);
          run.signal.addEventListener('abort', () => {
            reason = run.signal.reason;
            clearTimeout(t);
            resolve();
          });
        }),
      under: async () => 'held',
      after: async () => undefined,
    });
    expect(reason).toBeInstanceOf(WarningsEndedError);
    // Two warnings, then "available again": nobody was warned a second time.
    expect(hh.state.messages.map((m) => m.text)).toHaveLength(3);
  });

  it('a pass that takes over a minute to stop after the warnings: users are warned again before the lockout', async () => {
    h = await hospital();
    const hh = h;
    let offsetMs = 0;
    const slept: number[] = [];
    await withLockout(
      context(hh, {
        lockout: { ...hh.lockout, warnMinutes: [2, 1] },
        now: () => new Date(Date.now() + offsetMs),
        sleep: async (ms) => {
          slept.push(ms);
        },
      }),
      {
        whileWarning: (run) =>
          new Promise<void>((resolve) => {
            run.signal.addEventListener('abort', () => {
              offsetMs += REWARN_AFTER_MS + 5000; // the pass was slow to stop
              resolve();
            });
          }),
        under: async () => 'held',
        after: async () => undefined,
      },
    );
    const texts = hh.state.messages.map((m) => m.text);
    expect(texts.slice(0, 3)).toEqual([
      expect.stringMatching(/close in 2 minute/),
      expect.stringMatching(/close in 1 minute/),
      expect.stringMatching(/close in 1 minute/),
    ]);
    expect(slept).toEqual([0, 60_000, 60_000, 60_000]);
  });
});
