import { existsSync } from 'node:fs';
import { appendFile, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settingsFromInput } from '../../../src/config/load';
import { runNightlyCycle, type NightlyCycleOptions } from '../../../src/cycle/nightly';
import { readLastRun } from '../../../src/state/last-run';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import type { WindowsHost } from '../../../src/host/types';
import { silentLogger } from '../../../src/log/logger';
import { newJournal } from '../../../src/lockout/journal';
import { journalPath } from '../../../src/state/paths';
import { observeHost } from '../../../src/lockout/observe';
import { lockoutPlan } from '../../../src/lockout/plan';
import { LockoutSession } from '../../../src/lockout/session';
import { DENY_ALL_SHARE_SDDL } from '../../../src/lockout/steps';
import { hospital, serverSnapshot } from '../../helpers/hospital';

type Hospital = Awaited<ReturnType<typeof hospital>>;
let h: Hospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const MUTATING = [
  'renameFile',
  'setShareSecurityDescriptor',
  'removeShare',
  'closeOpenFiles',
  'closeSessions',
  'stopService',
  'setServiceStartType',
  'requestProcessClose',
  'forceStopProcesses',
  'sendMessage',
  'createShadowCopy',
];

function settingsFor(hh: Hospital, extra: Record<string, unknown> = {}) {
  const { lockout: lockoutExtra, ...rest } = extra as { lockout?: Record<string, unknown> };
  return settingsFromInput(
    {
      source: hh.source,
      destination: hh.dest,
      stateDir: hh.stateDir,
      mode: 'offline',
      verify: { after: 'none' },
      lockout: {
        services: [{ name: 'AVImarkServer' }, { name: 'VetLogicSync' }],
        gracePeriodSeconds: 1,
        warnMinutes: [0.001, 0],
        ...lockoutExtra,
      },
      ...rest,
    },
    null,
  );
}

function run(hh: Hospital, extra: Record<string, unknown> = {}, more: Partial<NightlyCycleOptions> = {}) {
  return runNightlyCycle({
    settings: settingsFor(hh, extra),
    host: hh.host,
    log: silentLogger(),
    handleSignals: false,
    ...more,
  });
}

async function snapshotFiles(dest: string, id: string): Promise<string[]> {
  return (await readdir(path.join(dest, 'snapshots', id))).sort();
}

describe('nightly cycle (memory host, real engine)', () => {
  it('offline: warns, locks out, copies, gives everything back, and the snapshot holds avimark.exe by its real name', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const r = await run(h);
    expect(r.mode).toBe('offline');
    expect(r.record?.result).toBe('success');
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    expect(await snapshotFiles(h.dest, r.snapshotId ?? '')).toEqual(['CLIENT.V2$', 'avimark.exe']);
    expect(r.offlineSeconds).toBeGreaterThan(0);
    expect(r.record?.offlineSeconds).toBe(r.offlineSeconds);
    expect(r.record?.mode).toBe('offline');
    expect(r.lockoutSteps.map((s) => s.step)).toEqual([
      expect.stringMatching(/^safety net: scheduled task .* runs recover at /),
      `rename executable ${path.join(h.source, 'avimark.exe')}`,
      'lock share AVImark (deny-all ACL)',
      'ask avimark, AVImarkGuardian to close (grace 1s)', // issue 13 §8: before files and services
      `close open files under ${h.source}`,
      'stop and disable service AVImarkServer',
      'stop and disable service VetLogicSync',
      'force-stop avimark, AVImarkGuardian',
    ]);
    // Two warnings, then "available again".
    expect(h.state.messages.map((m) => m.text)).toEqual([
      expect.stringMatching(/^AVImark will close in 0\.0 minute\(s\).*back by \d\d:\d\d\./),
      expect.stringMatching(/^AVImark will close in 0 minute\(s\)/),
      'The nightly backup is done: AVImark is available again.',
    ]);
    const last = await readLastRun(h.stateDir);
    expect(last).toMatchObject({ result: 'success', exitCode: 0, snapshotId: r.snapshotId, mode: 'offline' });
    expect(existsSync(journalPath(h.stateDir))).toBe(false);
  });

  it('the executable comes back with its exact spelling (AVImark.exe), though the config says avimark.exe', async () => {
    h = await hospital();
    h.state.caseInsensitiveNames = true; // Windows: avimark.exe finds AVImark.exe
    await rename(path.join(h.source, 'avimark.exe'), path.join(h.source, 'AVImark.exe'));
    const r = await run(h);
    expect(r.record?.result).toBe('success');
    expect((await readdir(h.source)).sort()).toEqual(['AVImark.exe', 'CLIENT.V2$']);
    expect(h.state.renames.map((x) => path.basename(x.to))).toEqual([
      'AVImark.exe.avimark-backup-locked',
      'AVImark.exe',
    ]);
    expect(await snapshotFiles(h.dest, r.snapshotId ?? '')).toEqual(['AVImark.exe', 'CLIENT.V2$']);
  });

  it('presync: what a stand-in AVImark writes during the online pass ends up in the snapshot as it was at lockout', async () => {
    h = await hospital();
    h.state.processes[1].exitsOnClose = false;
    const writer = h.state.processes[1];
    const file = path.join(h.source, 'CLIENT.V2$');
    let writes = 0;
    const timer = setInterval(() => {
      if (!writer.alive) return;
      writes += 1;
      void appendFile(file, `record ${writes}\n`);
    }, 2);
    try {
      const r = await run(h, { mode: 'presync', lockout: { warnMinutes: [0.005] } });
      clearInterval(timer);
      expect(r.mode).toBe('presync');
      expect(writes).toBeGreaterThan(3);
      const inSnapshot = await readFile(path.join(h.dest, 'snapshots', r.snapshotId ?? '', 'CLIENT.V2$'), 'utf8');
      expect(inSnapshot).toBe(await readFile(file, 'utf8'));
      expect(inSnapshot).toContain(`record ${writes}\n`);
    } finally {
      clearInterval(timer);
    }
  });

  it('vss: takes the shadow under lockout, gives back at once, then copies from the shadow and deletes it', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const r = await run(h, { mode: 'auto' });
    expect(r.mode).toBe('vss');
    expect(r.modeReason).toMatch(/auto: shadow copies work/);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    expect(h.state.shadowCopies).toEqual([]);
    expect(await snapshotFiles(h.dest, r.snapshotId ?? '')).toEqual(['CLIENT.V2$', 'avimark.exe']);
    const ops = h.state.calls.map((c) => c.operation);
    const created = ops.indexOf('createShadowCopy');
    const givenBack = ops.lastIndexOf('renameFile');
    const deleted = ops.indexOf('deleteShadowCopy');
    expect(created).toBeGreaterThan(0);
    expect(givenBack).toBeGreaterThan(created);
    expect(deleted).toBeGreaterThan(givenBack);
    expect(r.record?.mode).toBe('vss');
  });

  it('auto falls back to presync where shadow copies do not work', async () => {
    h = await hospital();
    h.state.volumes = [];
    const r = await run(h, { mode: 'auto' });
    expect(r.mode).toBe('presync');
  });

  it('not quiet after the lockout: gives back and fails without copying a live database', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const state = h.state;
    // A client that re-opens a file right after its session was closed (e.g. a continuously available share).
    const reopening = new Proxy(h.host, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === 'closeSessions') {
          return async (ids: string[]) => {
            await target.closeSessions(ids);
            state.openFiles.push({
              fileId: '9',
              sessionId: '77',
              path: path.join(h?.source ?? '', 'CLIENT.V2$'),
              shareRelativePath: 'CLIENT.V2$',
              clientComputerName: 'LAB2',
              clientUserName: 'HOSP\\eve',
            });
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as WindowsHost;
    const err = await runNightlyCycle({
      settings: settingsFor(h),
      host: reopening,
      log: silentLogger(),
      handleSignals: false,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /not quiet after the lockout, so nothing was copied[\s\S]*CLIENT\.V2\$ is open over SMB by HOSP\\eve/,
    );
    expect((err as { exitCode: number }).exitCode).toBe(1);
    state.openFiles = [];
    expect(await serverSnapshot(state, h.source)).toEqual(before);
    expect((await readdir(path.join(h.dest, 'snapshots')).catch(() => [])).length).toBe(0);
  });

  it('the watchdog stops a copy that outlives maxLockoutMinutes, gives back, keeps the partial, exits 1', async () => {
    h = await hospital({});
    for (let i = 0; i < 60; i += 1) await writeFile(path.join(h.source, `DOC${i}.V2$`), 'x'.repeat(100));
    const before = await serverSnapshot(h.state, h.source);
    const slowFs: FileSystem = {
      ...localFs,
      open: (async (...args: Parameters<FileSystem['open']>) => {
        await new Promise((r) => setTimeout(r, 1000));
        return localFs.open(...args);
      }) as FileSystem['open'],
    };
    // Step timeouts small enough to fit inside the limit (config validation refuses those that do not).
    const lockout = { maxLockoutMinutes: 0.05, gracePeriodSeconds: 0, serviceTimeoutSeconds: 1 };
    const err = await run(h, { lockout }, { sourceFs: slowFs }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /lockout reached its limit of 0.05 minute\(s\).*copy was stopped and AVImark given back; the partial snapshot is kept/,
    );
    expect((err as { exitCode: number }).exitCode).toBe(1);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    expect((await readdir(path.join(h.dest, 'in-progress'))).length).toBeGreaterThan(0);
    expect(await readLastRun(h.stateDir)).toMatchObject({ result: 'failed', exitCode: 1 });
    // The next run resumes the partial and succeeds.
    const again = await run(h);
    expect(again.record?.resumed).toBe(true);
  });

  it('msg.exe failing is a warning; the backup still runs and AVImark comes back', async () => {
    h = await hospital();
    h.state.messageBehaviour = 'fail';
    const r = await run(h);
    expect(r.record?.result).toBe('success');
    expect(r.warnings.join('\n')).toMatch(/users could not be messaged.*Error 5 getting session names/);
  });

  it('a preflight failure names the field, exits 2 and disturbs nobody', async () => {
    h = await hospital();
    const err = await run(h, { lockout: { services: [{ name: 'AVImarkServer' }, { name: 'NoSuchService' }] } }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/lockout\.services\[1\]\.name.*NoSuchService/);
    expect((err as { exitCode: number }).exitCode).toBe(2);
    expect(h.state.calls.filter((c) => MUTATING.includes(c.operation))).toEqual([]);
  });

  it('--dry-run prints the full plan and changes nothing', async () => {
    h = await hospital();
    const r = await run(h, {}, { dryRun: true });
    const text = r.planText.join('\n');
    expect(text).toContain('HOSP\\anna on FRONTDESK1 (SMB)');
    expect(text).toContain('HOSP\\carl (session 3, avimark pid 4200)');
    expect(text).toContain('CLIENT.V2$ (HOSP\\anna)');
    expect(text).toContain('service AVImarkServer: set Disabled, stop');
    expect(text).toContain('Expected to copy: 2 file(s)');
    expect(h.state.calls.filter((c) => MUTATING.includes(c.operation))).toEqual([]);
    expect(existsSync(h.stateDir)).toBe(false);
    expect(existsSync(h.dest)).toBe(false);
  });

  it('two runs at once: the second is refused while the first holds the run lock', async () => {
    h = await hospital();
    const first = run(h, { lockout: { warnMinutes: [0.01] } });
    await new Promise((r) => setTimeout(r, 150));
    const err = await run(h).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/another backup \(pid \d+.*is running/);
    expect((await first).record?.result).toBe('success');
  });

  it('a lockout left by a killed run is given back before the next run starts', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const input = { lockout: h.lockout, source: h.source };
    const plan = lockoutPlan(input, await observeHost(h.host, input));
    const journal = newJournal('backup', h.source);
    journal.owner.pid = 2 ** 22 + 4321; // dead
    const killed = new LockoutSession({ host: h.host, stateDir: h.stateDir, journal, log: silentLogger() });
    await killed.lockOut(plan.steps.slice(0, 4));
    expect(h.state.shares[0].securityDescriptor).toBe(DENY_ALL_SHARE_SDDL);
    const r = await run(h);
    expect(r.record?.result).toBe('success');
    expect(r.warnings.join('\n')).toMatch(/lockout left by an earlier run .* was given back/);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
  });

  it('a stop request during the copy gives back and keeps the partial', async () => {
    h = await hospital();
    for (let i = 0; i < 10; i += 1) await writeFile(path.join(h.source, `DOC${i}.V2$`), 'y');
    const before = await serverSnapshot(h.state, h.source);
    const controller = new AbortController();
    const stoppingFs: FileSystem = {
      ...localFs,
      open: (async (...args: Parameters<FileSystem['open']>) => {
        controller.abort();
        return localFs.open(...args);
      }) as FileSystem['open'],
    };
    const err = await run(h, {}, { sourceFs: stoppingFs, signal: controller.signal }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /interrupted by abort: AVImark was given back; the partial snapshot is kept/,
    );
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    expect(await readLastRun(h.stateDir)).toMatchObject({ result: 'interrupted' });
  });

  it('after the backup: verifies what verify.after says (the copied files) and prunes by the retention policy', async () => {
    h = await hospital();
    const extra = {
      verify: { after: 'copied' },
      retention: { keepLast: 1, keepDaily: 1, keepWeekly: 0, keepMonthly: 0, auto: true },
    };
    const first = await run(h, extra);
    await writeFile(path.join(h.source, 'CLIENT.V2$'), 'changed today');
    const second = await run(h, extra);
    // The cycle runs step 7 itself (verify, prune) once the snapshot is committed.
    const after = second.after;
    if (after === null) throw new Error('the cycle returned no after-backup result');
    expect(after.verify?.problems).toEqual([]);
    expect(after.verify?.record.filesChecked).toBe(1);
    expect(after.prune?.remove.map((r) => r.id)).toEqual([first.snapshotId]);
    expect(await readdir(path.join(h.dest, 'snapshots'))).toEqual([second.snapshotId]);
  });
});
