import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LockoutNotUndoneError } from '../../../src/errors';
import type { WindowsHost } from '../../../src/host/types';
import { silentLogger } from '../../../src/log/logger';
import { StepFailedError } from '../../../src/lockout/apply';
import { newJournal, readJournal } from '../../../src/lockout/journal';
import { JOURNAL_FILE, LAST_JOURNAL_FILE } from '../../../src/state/paths';
import { observeHost } from '../../../src/lockout/observe';
import { lockoutPlan } from '../../../src/lockout/plan';
import { recoverLockout } from '../../../src/lockout/recover';
import { safetyNetStep } from '../../../src/lockout/safety-net';
import { LockoutSession, notUndoneError } from '../../../src/lockout/session';
import { DENY_ALL_SHARE_SDDL, stepLabel } from '../../../src/lockout/steps';
import { hospital, serverSnapshot } from '../../helpers/hospital';

type Hospital = Awaited<ReturnType<typeof hospital>>;
let h: Hospital;
afterEach(async () => h?.cleanup());

async function planFor(hh: Hospital) {
  const input = { lockout: hh.lockout, source: hh.source };
  const plan = lockoutPlan(input, await observeHost(hh.host, input));
  expect(plan.problems).toEqual([]);
  return plan;
}

/** The plan with a safety-net task as its first step. */
async function planWithSafetyNet(hh: Hospital) {
  const safetyNet = safetyNetStep({
    now: new Date(),
    maxLockoutMinutes: 5,
    command: { execute: 'a.exe', argument: 'recover' },
  });
  const input = { lockout: hh.lockout, source: hh.source, safetyNet };
  return { safetyNet, plan: lockoutPlan(input, await observeHost(hh.host, input)) };
}

function session(hh: Hospital, host: WindowsHost = hh.host) {
  return new LockoutSession({
    host,
    stateDir: hh.stateDir,
    journal: newJournal('backup', hh.source),
    log: silentLogger(),
    undoRetry: { attempts: 3, firstDelayMs: 5, maxTotalMs: 5000 },
  });
}

/** `host` whose setServiceStartType throws (like a PowerShell timeout) while `failures.left` > 0. */
function flakyStartType(host: WindowsHost, failures: { left: number; calls: number }): WindowsHost {
  return new Proxy(host, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'setServiceStartType') {
        return (...args: unknown[]) => {
          failures.calls += 1;
          if (failures.left > 0) {
            failures.left -= 1;
            return Promise.reject(new Error('PowerShell did not answer within 60 s'));
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('LockoutSession', () => {
  it('locks everything out, then gives back exactly what it changed', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const plan = await planFor(h);
    const s = session(h);
    await s.begin();
    await s.lockOut(plan.steps);

    expect(h.state.shares[0].securityDescriptor).toBe(DENY_ALL_SHARE_SDDL);
    expect(h.state.services.map((x) => [x.status, x.startType])).toEqual([
      ['Stopped', 'Disabled'],
      ['Stopped', 'Disabled'],
    ]);
    expect(h.state.processes.every((p) => !p.alive)).toBe(true);
    expect(h.state.openFiles).toEqual([]);
    expect(h.state.sessions).toEqual([]);
    const files = (await serverSnapshot(h.state, h.source)).files;
    expect(files).toContain('avimark.exe.avimark-backup-locked');
    expect(files).not.toContain('avimark.exe');

    const result = await s.giveBack();
    expect(result.failures).toEqual([]);
    const after = await serverSnapshot(h.state, h.source);
    expect(after).toEqual(before);
    // The journal is retired once everything is back.
    expect(await readJournal(h.stateDir)).toBeNull();
    const last = JSON.parse(readFileSync(path.join(h.stateDir, LAST_JOURNAL_FILE), 'utf8'));
    expect(last.entries.every((e: { state: string }) => e.state === 'undone')).toBe(true);
    expect(s.timings().map((t) => t.step)).toHaveLength(plan.steps.length);
    expect(s.offlineSeconds()).toBeGreaterThanOrEqual(0);
  });

  it('undoes in reverse order: services, then share, then executable', async () => {
    h = await hospital();
    const plan = await planFor(h);
    const s = session(h);
    await s.lockOut(plan.steps);
    const from = h.state.calls.length;
    await s.giveBack();
    const mutations = h.state.calls
      .slice(from)
      .map((c) => c.operation)
      .filter((op) => ['setServiceStartType', 'startService', 'setShareSecurityDescriptor', 'renameFile'].includes(op));
    expect(mutations).toEqual([
      'setServiceStartType',
      'setServiceStartType',
      'startService',
      'setShareSecurityDescriptor',
      'renameFile',
    ]);
    const svcArgs = h.state.calls
      .slice(from)
      .filter((c) => c.operation === 'setServiceStartType')
      .map((c) => c.args);
    expect(svcArgs).toEqual([
      ['VetLogicSync', 'Manual'],
      ['AVImarkServer', 'Automatic'],
    ]);
  });

  it('journals each step as pending BEFORE taking it, then done', async () => {
    h = await hospital();
    const plan = await planFor(h);
    const seen: string[] = [];
    const journalFile = path.join(h.stateDir, JOURNAL_FILE);
    const spy = new Proxy(h.host, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === 'setShareSecurityDescriptor' || prop === 'renameFile' || prop === 'setServiceStartType') {
          return (...args: unknown[]) => {
            const j = JSON.parse(readFileSync(journalFile, 'utf8'));
            const last = j.entries[j.entries.length - 1];
            seen.push(`${String(prop)}:${last.step.kind}:${last.state}`);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const s = session(h, spy);
    await s.lockOut(plan.steps);
    expect(seen).toEqual([
      'renameFile:renameExecutable:pending',
      'setShareSecurityDescriptor:lockShareSddl:pending',
      'setServiceStartType:stopService:pending',
      'setServiceStartType:stopService:pending',
    ]);
    const j = await readJournal(h.stateDir);
    expect(j?.entries.map((e) => e.state)).toEqual(plan.steps.map(() => 'done'));
    await s.giveBack();
  });

  it('a process that will not die fails the lockout; everything is given back', async () => {
    h = await hospital();
    h.state.processes[1].accessDenied = true;
    const before = await serverSnapshot(h.state, h.source);
    const plan = await planFor(h);
    const s = session(h);
    const err = await s.lockOut(plan.steps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as Error).message).toMatch(
      /would not stop even when forced: avimark pid 4200 \(HOSP\\carl\).*Access is denied/,
    );
    expect((await s.giveBack()).failures).toEqual([]);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('a service that will not stop fails the lockout; its start type and the rest are restored', async () => {
    h = await hospital();
    h.state.services[0].refusesStop = true;
    const before = await serverSnapshot(h.state, h.source);
    const plan = await planFor(h);
    const s = session(h);
    const err = await s.lockOut(plan.steps).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/AVImarkServer" did not stop/);
    const j = await readJournal(h.stateDir);
    // issue 13 §8: rename, share, polite close, open files, then the service.
    expect(j?.entries.map((e) => e.state)).toEqual(['done', 'done', 'done', 'done', 'failed']);
    expect((await s.giveBack()).failures).toEqual([]);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('a share that vanished during the lockout is re-created from the saved definition, with a warning', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const plan = await planFor(h);
    const s = session(h);
    await s.lockOut(plan.steps);
    h.state.shares = [];
    const result = await s.giveBack();
    expect(result.failures).toEqual([]);
    expect(result.warnings.join('\n')).toMatch(/share AVImark had vanished during the lockout; it was re-created/);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('remove method: the share is removed and re-created with every setting', async () => {
    h = await hospital({ share: { name: 'AVImark', optional: false, method: 'remove' } });
    const before = await serverSnapshot(h.state, h.source);
    const plan = await planFor(h);
    const s = session(h);
    await s.lockOut(plan.steps);
    expect(h.state.shares).toEqual([]);
    expect((await s.giveBack()).failures).toEqual([]);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('when one step cannot be undone, the others still are, and the error says what and how (exit 4)', async () => {
    h = await hospital();
    h.state.services[0].refusesStart = true;
    h.state.services[0].watchdog = false;
    const plan = await planFor(h);
    const s = session(h);
    await s.lockOut(plan.steps);
    const result = await s.giveBack();
    expect(result.failures.map((f) => f.entry.step.kind)).toEqual(['stopService']);
    // The share and the executable were still given back.
    expect(h.state.shares[0].securityDescriptor).not.toBe(DENY_ALL_SHARE_SDDL);
    expect((await serverSnapshot(h.state, h.source)).files).toContain('avimark.exe');
    const err = notUndoneError(result.failures);
    expect(err).toBeInstanceOf(LockoutNotUndoneError);
    expect(err.exitCode).toBe(4);
    expect(err.stillLocked).toEqual([expect.stringMatching(/service AVImarkServer should be Automatic and Running/)]);
    expect(err.hint).toContain("Start-Service -Name 'AVImarkServer'");
    // The journal stays, so recover can retry.
    const j = await readJournal(h.stateDir);
    expect(j?.entries.find((e) => e.step.kind === 'stopService' && e.step.service === 'AVImarkServer')?.state).toBe(
      'done',
    );
  });

  it('an undo step that fails twice then succeeds is retried: everything is given back', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const plan = await planFor(h);
    const failures = { left: 0, calls: 0 };
    const s = session(h, flakyStartType(h.host, failures));
    await s.lockOut(plan.steps);
    failures.left = 2;
    failures.calls = 0;
    const result = await s.giveBack();
    expect(result.failures).toEqual([]);
    expect(failures.left).toBe(0);
    expect(failures.calls).toBeGreaterThanOrEqual(3);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    expect(await readJournal(h.stateDir)).toBeNull();
  });

  it('an undo step that always fails is tried a bounded number of times, the others are undone (exit 4)', async () => {
    h = await hospital();
    const plan = await planFor(h);
    const failures = { left: 0, calls: 0 };
    const flaky = flakyStartType(h.host, failures);
    const s = session(h, flaky);
    await s.lockOut(plan.steps);
    failures.left = Number.POSITIVE_INFINITY;
    failures.calls = 0;
    const result = await s.giveBack();
    const serviceSteps = plan.steps.filter((step) => step.kind === 'stopService').length;
    expect(result.failures.map((f) => f.entry.step.kind)).toEqual(Array(serviceSteps).fill('stopService'));
    expect(failures.calls).toBe(3 * serviceSteps);
    expect(h.state.shares[0].securityDescriptor).not.toBe(DENY_ALL_SHARE_SDDL);
    expect((await serverSnapshot(h.state, h.source)).files).toContain('avimark.exe');
    expect(notUndoneError(result.failures).exitCode).toBe(4);
    expect(await readJournal(h.stateDir)).not.toBeNull();
  });

  it('when give-back fails, the safety-net task stays registered; a later recover removes it (issue 13 §2)', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const { safetyNet, plan } = await planWithSafetyNet(h);
    expect(plan.steps[0].kind).toBe('safetyNet');
    const failures = { left: 0, calls: 0 };
    const s = session(h, flakyStartType(h.host, failures));
    await s.lockOut(plan.steps);
    expect(h.state.scheduledTasks.map((t) => t.taskName)).toEqual([safetyNet.taskName]);
    failures.left = Number.POSITIVE_INFINITY;
    const result = await s.giveBack();
    expect(result.failures.map((f) => f.entry.step.kind)).toContain('stopService');
    expect(h.state.scheduledTasks.map((t) => t.taskName)).toEqual([safetyNet.taskName]);
    expect(result.warnings.join('\n')).toContain(`safety-net task ${safetyNet.taskPath}${safetyNet.taskName} kept`);
    const journal = await readJournal(h.stateDir);
    expect(journal?.entries.find((e) => e.step.kind === 'safetyNet')?.state).not.toBe('undone');

    failures.left = 0;
    const recovered = await recoverLockout({ host: h.host, stateDir: h.stateDir, log: silentLogger(), force: true });
    expect(recovered.undone).toContain(stepLabel(safetyNet));
    expect(h.state.scheduledTasks).toEqual([]);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    expect(await readJournal(h.stateDir)).toBeNull();
  });

  it('the offline window runs from the first step that touches AVImark to the last given back: the safety-net task is outside it', async () => {
    h = await hospital();
    const { plan } = await planWithSafetyNet(h);
    expect(plan.steps[0].kind).toBe('safetyNet');
    // A clock that moves only with the server's calls: 10 s for each call about the scheduled task, 1 s for any other.
    const clock = { ms: 0, task: 0, other: 0 };
    const timed = new Proxy(h.host, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
          const aboutTask = String(prop).endsWith('ScheduledTask');
          clock.ms += aboutTask ? 10_000 : 1000;
          if (aboutTask) clock.task += 1;
          else clock.other += 1;
          return result;
        };
      },
    });
    const s = new LockoutSession({
      host: timed,
      stateDir: h.stateDir,
      journal: newJournal('backup', h.source),
      log: silentLogger(),
      now: () => clock.ms,
    });
    await s.lockOut(plan.steps);
    expect((await s.giveBack()).failures).toEqual([]);
    expect(clock.task).toBe(4); // registered and checked, checked and removed: 40 s, none of it offline
    expect(s.offlineSeconds()).toBe(clock.other);
  });

  it('giveBack runs once however many callers ask, after the step in flight', async () => {
    h = await hospital();
    const plan = await planFor(h);
    const s = session(h);
    const locking = s.lockOut(plan.steps).catch((e: unknown) => e);
    const [a, b] = [s.giveBack('SIGINT'), s.giveBack('SIGTERM')];
    expect(a).toBe(b);
    await a;
    const err = await locking;
    expect((err as Error).name).toBe('LockoutInterruptedError');
    expect((err as Error).message).toBe('SIGINT');
    const before = h.state.shares[0].securityDescriptor;
    expect(before).not.toBe(DENY_ALL_SHARE_SDDL);
    expect((await serverSnapshot(h.state, h.source)).files).toContain('avimark.exe');
  });
});
