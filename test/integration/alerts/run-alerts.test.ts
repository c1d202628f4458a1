import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backupCommand } from '../../../src/cli/commands/backup';
import { drillCommand } from '../../../src/cli/commands/drill';
import { recoverCommand } from '../../../src/cli/commands/recover';
import { restoreToLiveCommand } from '../../../src/cli/commands/restore-live';
import { statusCommand } from '../../../src/cli/commands/status';
import type { WindowsHost } from '../../../src/host/types';
import { silentLogger } from '../../../src/log/logger';
import { newJournal } from '../../../src/lockout/journal';
import { observeHost } from '../../../src/lockout/observe';
import { lockoutPlan } from '../../../src/lockout/plan';
import { LockoutSession } from '../../../src/lockout/session';
import { DENY_ALL_SHARE_SDDL } from '../../../src/lockout/steps';
import { EventId } from '../../../src/report/event-log';
import { loadHistory } from '../../../src/report/history';
import { listSnapshots } from '../../../src/store/snapshots';
import { tempDir } from '../../helpers/cli';
import { selfSignedCert, startSmtp, type TestSmtp } from '../../helpers/smtp';
import { hospital, serverSnapshot } from '../../helpers/hospital';

/**
 * The alerts of real runs: the commands run in-process against the memory host (Event Log entries land
 * in its state) and a real SMTP server on 127.0.0.1 (STARTTLS, AUTH, a self-signed certificate).
 */

const PASSWORD = 'smtp-Secret-91b2';
const USER = 'alerts@clinic.example';
const emailDeps = { env: { AVB_TEST_SMTP: PASSWORD }, readFile: (p: string) => readFile(p, 'utf8') };

let certDir: { dir: string; cleanup: () => Promise<void> };
let certFile: string;
let smtp: TestSmtp;
beforeAll(async () => {
  certDir = await tempDir('avb-run-alerts-cert-');
  const cert = await selfSignedCert(certDir.dir);
  certFile = cert.certFile;
  smtp = await startSmtp({ key: cert.key, cert: cert.cert, user: USER, password: PASSWORD });
});
afterAll(async () => {
  await smtp?.close();
  await certDir?.cleanup();
});

type Hospital = Awaited<ReturnType<typeof hospital>>;
let h: Hospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** Writes the hospital's config file (alerts: Event Log + e-mail on problems) and returns its path. */
async function configFile(hh: Hospital, extra: Record<string, unknown> = {}): Promise<string> {
  const file = path.join(hh.dir, 'config.json');
  const config = {
    source: hh.source,
    destination: hh.dest,
    stateDir: hh.stateDir,
    mode: 'offline',
    verify: { after: 'none' },
    lockout: {
      services: [{ name: 'AVImarkServer' }, { name: 'VetLogicSync' }],
      gracePeriodSeconds: 1,
      warnMinutes: [0],
    },
    alerts: {
      eventLog: { enabled: true, source: 'avimark-backup' },
      email: {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        user: USER,
        passwordEnv: 'AVB_TEST_SMTP',
        caFile: certFile,
        from: 'backup@clinic.example',
        to: ['it@clinic.example'],
      },
    },
    ...extra,
  };
  await writeFile(file, JSON.stringify(config));
  return file;
}

const deps = (host: WindowsHost) => ({ host, log: silentLogger(), emailDeps, handleSignals: false });
const eventIds = (hh: Hospital) => hh.state.events.map((e) => e.eventId);
const mailsSince = (n: number) => smtp.received.slice(n).map((m) => m.raw.replace(/=\r?\n/g, ''));

describe('run alerts (memory host, real SMTP)', () => {
  it('a failed nightly run: events 1000 + 1002, an e-mail with the status sentence, a failed run record in the store', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    h.state.faults.push({
      operation: 'stopService',
      message: 'Service AVImarkServer cannot be stopped (access denied).',
    });
    const mailCount = smtp.received.length;
    const config = await configFile(h);
    const err = await backupCommand({ config, lockout: true, json: true }, deps(h.host)).catch((e: unknown) => e);
    expect((err as { exitCode: number }).exitCode).toBe(1);
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);

    expect(eventIds(h)).toEqual([EventId.RunStarted, EventId.RunFailed]);
    const failed = h.state.events[1];
    expect(failed.message).toMatch(/^avimark-backup backup FAILED \(exit code 1\): lockout step .* failed/);
    expect(failed.message).toMatch(/Backup status: The last backup FAILED .*There is no good backup yet\./);

    const mails = mailsSince(mailCount);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatch(/Subject: \[avimark-backup\] FAILED: backup on/);
    expect(mails[0]).toMatch(/Backup status: The last backup FAILED/);
    expect(mails.join('\n')).not.toContain(PASSWORD);
    expect(failed.message).not.toContain(PASSWORD);

    // The failed run left DEST/meta/<ID>/run.json: in the history, never listed as a snapshot.
    const metaIds = await readdir(path.join(h.dest, 'meta'));
    expect(metaIds).toHaveLength(1);
    const record = JSON.parse(await readFile(path.join(h.dest, 'meta', metaIds[0], 'run.json'), 'utf8')) as {
      result: string;
      errors: string[];
    };
    expect(record.result).toBe('failed');
    expect(record.errors[0]).toMatch(/cannot be stopped/);
    expect(await listSnapshots(h.dest)).toEqual([]);
    const history = await loadHistory(h.dest, { stateDir: h.stateDir });
    expect(history.snapshots).toEqual([]);
    expect(history.runs).toHaveLength(1); // the store's record and last-run.json are the same run
    expect(history.runs[0]).toMatchObject({ snapshotId: metaIds[0], result: 'failed' });

    // status shows the same sentence, in text and JSON.
    const status = await statusCommand({ config });
    expect(status.text.split('\n')[0]).toMatch(/^The last backup FAILED/);
    expect((status.json as { statusSentence: string }).statusSentence).toMatch(/^The last backup FAILED/);

    // The next good run: events 1000 + 1001, no e-mail (onSuccess off); its snapshot is listed, the failure stays in the history.
    const good = await backupCommand({ config, lockout: true, json: true }, deps(h.host));
    expect(good.exitCode).toBe(0);
    expect(eventIds(h).slice(2)).toEqual([EventId.RunStarted, EventId.RunSucceeded]);
    expect(h.state.events[3].message).toMatch(/Backup status: Last good backup: /);
    expect(mailsSince(mailCount)).toHaveLength(1);
    const after = await loadHistory(h.dest, { stateDir: h.stateDir });
    expect(after.snapshots).toHaveLength(1);
    expect(after.runs.map((r) => r.result)).toEqual(['failed', 'success']);
    // The good run resumed the failed run's partial (same id); the failure's record moved to the next free id.
    expect(after.snapshots[0].id).toBe(metaIds[0]);
    expect(after.runs[1]).toMatchObject({ snapshotId: metaIds[0], resumed: true });
    expect((await readdir(path.join(h.dest, 'meta'))).sort()).toEqual([metaIds[0], `${metaIds[0]}_2`]);
  });

  it('exit 4: event 1003 lists what is still locked, the e-mail says AVIMARK STILL LOCKED; recover then writes 1004', async () => {
    h = await hospital();
    const real = h.host;
    // The share's ACL can be locked but not given back.
    const stuck = new Proxy(real, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === 'setShareSecurityDescriptor') {
          return async (name: string, sddl: string) => {
            if (sddl !== DENY_ALL_SHARE_SDDL) throw new Error('Access is denied.');
            return target.setShareSecurityDescriptor(name, sddl);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as WindowsHost;
    const mailCount = smtp.received.length;
    const config = await configFile(h);
    const err = await backupCommand({ config, lockout: true, json: true }, deps(stuck)).catch((e: unknown) => e);
    expect((err as { exitCode: number }).exitCode).toBe(4);
    const last = h.state.events.at(-1);
    expect(last?.eventId).toBe(EventId.LockoutNotUndone);
    expect(last?.level).toBe('Error');
    expect(last?.message).toMatch(/Still locked: .*AVImark/);
    const mails = mailsSince(mailCount);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatch(/Subject: \[avimark-backup\] AVIMARK STILL LOCKED: backup/);
    expect(mails[0]).toMatch(/STILL LOCKED \(users cannot work until this is fixed\)/);

    // recover (the ACL can be set again now) gives the share back: 1000, then 1004.
    const count = h.state.events.length;
    const recovered = await recoverCommand({ config, json: true }, deps(real));
    expect(recovered.exitCode).toBe(0);
    expect(eventIds(h).slice(count)).toEqual([EventId.RunStarted, EventId.RecoveredLeftoverLockout]);
    expect(h.state.shares[0].securityDescriptor).not.toBe(DENY_ALL_SHARE_SDDL);
  });

  it('recover after a crash writes event 1004; recover with nothing to do writes nothing', async () => {
    h = await hospital();
    const before = await serverSnapshot(h.state, h.source);
    const input = { lockout: h.lockout, source: h.source };
    const plan = lockoutPlan(input, await observeHost(h.host, input));
    const journal = newJournal('backup', h.source);
    journal.owner.pid = 2 ** 22 + 4321; // a dead process (killed with -9)
    await new LockoutSession({ host: h.host, stateDir: h.stateDir, journal, log: silentLogger() }).lockOut(
      plan.steps.slice(0, 4),
    );
    const config = await configFile(h);
    const r = await recoverCommand({ config, json: true }, deps(h.host));
    expect(r.exitCode).toBe(0);
    expect(eventIds(h)).toEqual([EventId.RunStarted, EventId.RecoveredLeftoverLockout]);
    expect(h.state.events[1].level).toBe('Warning');
    expect(await serverSnapshot(h.state, h.source)).toEqual(before);
    await recoverCommand({ config, json: true }, deps(h.host));
    expect(h.state.events).toHaveLength(2);
  });

  it('backup --no-lockout with a config: alerts, and the after-backup steps (verify.after, retention.auto)', async () => {
    h = await hospital();
    const config = await configFile(h, {
      verify: { after: 'all' },
      retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, auto: true },
    });
    const first = await backupCommand({ config, lockout: false, json: true }, deps(h.host));
    await writeFile(path.join(h.source, 'CLIENT.V2$'), 'changed');
    const second = await backupCommand({ config, lockout: false, json: true }, deps(h.host));
    const json = second.json as { snapshotId: string; verify: { ok: boolean; filesChecked: number }; pruned: string[] };
    expect(json.verify).toMatchObject({ ok: true, filesChecked: 2 });
    expect(json.pruned).toEqual([(first.json as { snapshotId: string }).snapshotId]);
    expect(second.text).toMatch(/verified: 2 file\(s\) re-hashed/);
    expect((await listSnapshots(h.dest)).map((s) => s.id)).toEqual([json.snapshotId]);
    expect(eventIds(h)).toEqual([EventId.RunStarted, EventId.RunSucceeded, EventId.RunStarted, EventId.RunSucceeded]);
    expect(h.state.events[0].message).toMatch(/backup --no-lockout started/);
    // Nothing was locked.
    expect(
      h.state.calls.filter((c) => c.operation === 'setShareSecurityDescriptor' || c.operation === 'stopService'),
    ).toEqual([]);
  });

  it('backup --no-lockout from flags only: no alerts, no prune', async () => {
    h = await hospital();
    const flags = { source: h.source, dest: h.dest, lockout: false, json: true };
    await backupCommand(flags, deps(h.host));
    await writeFile(path.join(h.source, 'CLIENT.V2$'), 'changed');
    const r = await backupCommand(flags, deps(h.host));
    expect(r.json).not.toHaveProperty('pruned');
    expect(await listSnapshots(h.dest)).toHaveLength(2);
    expect(h.state.events).toEqual([]);
  });

  it('a failed drill sends a problem alert (exit 3 → event 1005 and an e-mail)', async () => {
    h = await hospital();
    const config = await configFile(h, { drill: { requiredFiles: ['NO-SUCH-TABLE.V2$'] } });
    await backupCommand({ config, lockout: false, json: true }, deps(h.host));
    const mailCount = smtp.received.length;
    const r = await drillCommand('latest', { config, json: true }, deps(h.host));
    expect(r.exitCode).toBe(3);
    expect(eventIds(h).slice(-2)).toEqual([EventId.RunStarted, EventId.VerificationDamage]);
    expect(h.state.events.at(-1)?.message).toMatch(
      /avimark-backup drill found DAMAGE \(exit code 3\): Restore drill of .* FAILED/,
    );
    const mails = mailsSince(mailCount);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatch(/DAMAGE FOUND: drill/);
    expect(mails[0]).toMatch(/Backup status: Last good backup: .*restore drill FAILED/);
  });

  it('restore --to-live: events 1000 + 1001 with the status sentence', async () => {
    h = await hospital();
    const config = await configFile(h);
    // Through the lockout, so the snapshot holds the folder's permissions (restore --to-live puts them back;
    // a snapshot without them gives back with a warning, event 1006).
    await backupCommand({ config, lockout: true, json: true }, deps(h.host));
    const count = h.state.events.length;
    const r = await restoreToLiveCommand('latest', { config, toLive: true, json: true }, deps(h.host));
    expect(r.exitCode).toBe(0);
    expect(eventIds(h).slice(count)).toEqual([EventId.RunStarted, EventId.RunSucceeded]);
    expect(h.state.events[count].message).toMatch(/restore --to-live started\. Snapshot /);
    expect(h.state.events.at(-1)?.message).toMatch(/Backup status: Last good backup: /);
  });

  it('an alert that cannot be delivered never changes the exit code', async () => {
    h = await hospital();
    h.state.faults.push({ operation: 'writeEvent', message: 'The event log is full.', times: 10 });
    const config = await configFile(h);
    const broken = { ...deps(h.host), emailDeps: { ...emailDeps, env: {} } }; // the password variable is missing
    const r = await backupCommand({ config, lockout: true, json: true }, broken);
    expect(r.exitCode).toBe(0);
    expect((await listSnapshots(h.dest)).length).toBe(1);
  });
});
