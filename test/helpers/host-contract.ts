/**
 * The WindowsHost contract: every capability, round-tripped, with the same expectations for the
 * in-memory host and for the PowerShell bridge over the simulated server (see harness.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shadowPath } from '../../src/fs/shadow-path';
import { HostError, type ScheduledTaskDefinition, type ShareDefinition } from '../../src/host/types';
import type { SimPaths, SimServerSpec } from './sim';
import type { Harness } from './host-harness';

/** The SDDL a share has before the lockout: deny ACE, custom rights, a domain SID. Must come back byte-identical. */
export const ORIGINAL_SDDL =
  'O:BAG:DUD:(D;;FA;;;S-1-5-21-1004336348-1177238915-682003330-1105)(A;;0x1200a9;;;AU)(A;;0x1301bf;;;DU)(A;;FA;;;BA)';
export const LOCKED_SDDL = 'O:BAG:BAD:(D;;FA;;;WD)(A;;FA;;;BA)';

export function share(paths: SimPaths, overrides: Partial<ShareDefinition> = {}): ShareDefinition {
  return {
    name: 'AVImark',
    scopeName: '*',
    path: path.join(paths.volumeRoot, 'AVImark'),
    description: 'AVImark data',
    concurrentUserLimit: 25,
    cachingMode: 'Documents',
    folderEnumerationMode: 'AccessBased',
    encryptData: true,
    continuouslyAvailable: false,
    caTimeout: 30,
    temporary: false,
    special: false,
    securityDescriptor: ORIGINAL_SDDL,
    ...overrides,
  };
}

function hospital(paths: SimPaths): SimServerSpec {
  const data = path.join(paths.volumeRoot, 'AVImark');
  const old = path.join(paths.volumeRoot, 'AVImarkOld');
  const file = (fileId: string, sessionId: string, p: string, user: string) => ({
    fileId,
    sessionId,
    path: p,
    shareRelativePath: path.basename(p),
    clientComputerName: `PC-${sessionId}`,
    clientUserName: user,
  });
  return {
    shares: [share(paths)],
    sessions: [
      { sessionId: '8813272891621', clientComputerName: 'PC-8813272891621', clientUserName: 'HOSP\\anna', numOpens: 2 },
      { sessionId: '8813272891633', clientComputerName: 'PC-8813272891633', clientUserName: 'HOSP\\bob', numOpens: 1 },
      { sessionId: '8813272891700', clientComputerName: 'PC-8813272891700', clientUserName: 'HOSP\\carl', numOpens: 1 },
    ],
    openFiles: [
      file('4415226383589', '8813272891621', path.join(data, 'CLIENT.V2$'), 'HOSP\\anna'),
      file('4415226383590', '8813272891621', path.join(data.toUpperCase(), 'ANIMAL.V2$'), 'HOSP\\anna'),
      file('4415226383591', '8813272891633', path.join(data, 'TREAT.V2$'), 'HOSP\\bob'),
      file('4415226383592', '8813272891700', path.join(old, 'CLIENT.V2$'), 'HOSP\\carl'),
    ],
  };
}

export function hostContract(name: string, makeHarness: () => Promise<Harness>): void {
  describe(`WindowsHost contract: ${name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('describes itself as simulated', async () => {
      await h.seed({});
      const info = await h.host.info();
      expect(info.simulated).toBe(true);
      expect(info.psVersion.length).toBeGreaterThan(0);
    });

    describe('shares', () => {
      it('reads a full definition case-insensitively; a missing share is null', async () => {
        await h.seed((p) => ({ shares: [share(p)] }));
        expect(await h.host.getShare('avimark')).toEqual(share(h.paths));
        expect(await h.host.getShare('NoSuchShare')).toBeNull();
      });

      it('locks with a deny-all SDDL and restores the original byte-identical, keeping every other setting', async () => {
        await h.seed((p) => ({ shares: [share(p)] }));
        const before = await h.host.getShare('AVImark');
        expect(before).not.toBeNull();
        await h.host.setShareSecurityDescriptor('AVImark', LOCKED_SDDL);
        expect((await h.view()).shares[0]).toEqual({ ...share(h.paths), securityDescriptor: LOCKED_SDDL });
        await h.host.setShareSecurityDescriptor('AVImark', before!.securityDescriptor);
        const after = await h.host.getShare('AVImark');
        expect(after).toEqual(before);
        expect(Buffer.from(after!.securityDescriptor).equals(Buffer.from(ORIGINAL_SDDL))).toBe(true);
      });

      it('refuses an empty security descriptor and fails loudly on a missing share', async () => {
        await h.seed((p) => ({ shares: [share(p)] }));
        await expect(h.host.setShareSecurityDescriptor('AVImark', '  ')).rejects.toBeInstanceOf(HostError);
        await expect(h.host.setShareSecurityDescriptor('Gone', LOCKED_SDDL)).rejects.toBeInstanceOf(HostError);
        await expect(h.host.removeShare('Gone')).rejects.toBeInstanceOf(HostError);
        expect((await h.view()).shares[0].securityDescriptor).toBe(ORIGINAL_SDDL);
      });

      it('removes a share and re-creates it exactly from its saved definition', async () => {
        await h.seed((p) => ({
          shares: [share(p), share(p, { name: 'Other', path: path.join(p.volumeRoot, 'Other') })],
        }));
        const saved = await h.host.getShare('AVImark');
        await h.host.removeShare('AVImark');
        expect(await h.host.getShare('AVImark')).toBeNull();
        expect((await h.view()).shares.map((s) => s.name)).toEqual(['Other']);
        await h.host.createShare(saved!);
        expect(await h.host.getShare('AVImark')).toEqual(saved);
        await expect(h.host.createShare(saved!)).rejects.toBeInstanceOf(HostError);
      });

      it('notices a share that vanished between calls', async () => {
        await h.seed((p) => ({ shares: [share(p)] }));
        const saved = await h.host.getShare('AVImark');
        await h.seed({});
        expect(await h.host.getShare('AVImark')).toBeNull();
        await expect(h.host.setShareSecurityDescriptor('AVImark', saved!.securityDescriptor)).rejects.toBeInstanceOf(
          HostError,
        );
      });
    });

    describe('sessions and open files', () => {
      it('lists sessions with ids as strings', async () => {
        await h.seed(hospital);
        const sessions = await h.host.listSessions();
        expect(sessions.map((s) => s.sessionId).sort()).toEqual(['8813272891621', '8813272891633', '8813272891700']);
        expect(sessions.find((s) => s.sessionId === '8813272891633')?.clientUserName).toBe('HOSP\\bob');
      });

      it('lists open files under a folder case-insensitively, not under a folder that merely starts alike', async () => {
        await h.seed(hospital);
        const files = await h.host.listOpenFiles(path.join(h.paths.volumeRoot, 'avimark'));
        expect(files.map((f) => f.fileId).sort()).toEqual(['4415226383589', '4415226383590', '4415226383591']);
        expect(await h.host.listOpenFiles(path.join(h.paths.volumeRoot, 'Nothing'))).toEqual([]);
      });

      it('closes exactly the given open files and sessions; empty lists close nothing; gone ids are fine', async () => {
        await h.seed(hospital);
        await h.host.closeOpenFiles([]);
        await h.host.closeSessions([]);
        expect((await h.view()).openFiles).toHaveLength(4);
        await h.host.closeOpenFiles(['4415226383591', '999']);
        let v = await h.view();
        expect(v.openFiles.map((f) => f.fileId).sort()).toEqual(['4415226383589', '4415226383590', '4415226383592']);
        await h.host.closeSessions(['8813272891621', '777']);
        v = await h.view();
        expect(v.sessions.map((s) => s.sessionId).sort()).toEqual(['8813272891633', '8813272891700']);
        expect(v.openFiles.map((f) => f.fileId)).toEqual(['4415226383592']);
      });
    });

    describe('services', () => {
      it('reads status and start type; a missing service is null and mutators fail loudly', async () => {
        await h.seed({
          services: [{ name: 'AVImarkServer', displayName: 'AVImark Server', startType: 'AutomaticDelayedStart' }],
        });
        expect(await h.host.getService('avimarkserver')).toEqual({
          name: 'AVImarkServer',
          displayName: 'AVImark Server',
          status: 'Running',
          startType: 'AutomaticDelayedStart',
        });
        expect(await h.host.getService('Nope')).toBeNull();
        await expect(h.host.stopService('Nope', 5)).rejects.toBeInstanceOf(HostError);
        await expect(h.host.setServiceStartType('Nope', 'Disabled')).rejects.toBeInstanceOf(HostError);
      });

      for (const original of ['Automatic', 'AutomaticDelayedStart', 'Manual'] as const) {
        it(`disables, stops, then restores start type ${original} and running state exactly`, async () => {
          await h.seed({ services: [{ name: 'AVImarkServer', startType: original }] });
          await h.host.setServiceStartType('AVImarkServer', 'Disabled');
          await h.host.stopService('AVImarkServer', 10);
          expect(await h.host.getService('AVImarkServer')).toMatchObject({ status: 'Stopped', startType: 'Disabled' });
          await expect(h.host.startService('AVImarkServer', 5)).rejects.toBeInstanceOf(HostError);
          await h.host.setServiceStartType('AVImarkServer', original);
          await h.host.startService('AVImarkServer', 10);
          expect((await h.view()).services).toEqual([
            { name: 'AVImarkServer', status: 'Running', startType: original },
          ]);
        });
      }

      it('a service that will not stop fails after its timeout', async () => {
        await h.seed({ services: [{ name: 'Stuck', refusesStop: true }] });
        await expect(h.host.stopService('Stuck', 1)).rejects.toThrow(/did not stop within 1 second/);
      });

      it('a watchdog restarts a stopped service unless it is Disabled', async () => {
        await h.seed({ services: [{ name: 'AVImarkServer', watchdog: true, watchdogDelayMs: 300 }] });
        await h.host.stopService('AVImarkServer', 10);
        await h.settle(600);
        expect((await h.host.getService('AVImarkServer'))?.status).toBe('Running');
        await h.host.setServiceStartType('AVImarkServer', 'Disabled');
        await h.host.stopService('AVImarkServer', 10);
        await h.settle(600);
        expect((await h.host.getService('AVImarkServer'))?.status).toBe('Stopped');
      });
    });

    describe('processes', () => {
      it('lists processes by name (with or without .exe); unknown names give nothing', async () => {
        const [avimark, guardianName] = [h.processName('avimark'), h.processName('AVImarkGuard')];
        const pids = await h.seed({ processes: [{ name: avimark }, { name: avimark }, { name: guardianName }] });
        expect((await h.host.listProcesses([`${avimark}.exe`])).map((p) => p.id).sort()).toEqual(
          [pids[0], pids[1]].sort(),
        );
        const guardian = await h.host.listProcesses([guardianName, 'nothing-like-this']);
        expect(guardian.map((p) => [p.id, p.name])).toEqual([[pids[2], guardianName]]);
        expect(await h.host.listProcesses([])).toEqual([]);
      });

      it('a polite close ends a willing process; a stubborn one needs force', async () => {
        const name = h.processName('avimark');
        const [polite, stubborn] = await h.seed({ processes: [{ name, exitsOnClose: true }, { name }] });
        await h.host.requestProcessClose([polite, stubborn]);
        expect(await h.host.waitForProcessExit([polite, stubborn], 3)).toEqual([stubborn]);
        expect(h.isAlive(stubborn)).toBe(true);
        await h.host.forceStopProcesses([stubborn, polite]);
        expect(await h.host.waitForProcessExit([stubborn], 5)).toEqual([]);
        expect(h.isAlive(stubborn)).toBe(false);
      });
    });

    describe('messages', () => {
      it('messages every session; a user who was messaged may quit', async () => {
        const name = h.processName('avimark');
        const [leaves, stays] = await h.seed({ processes: [{ name, exitsOnMessage: true }, { name }] });
        const r = await h.host.sendMessage('AVImark will close in 5 minute(s). Save your work.', 60);
        expect(r).toMatchObject({ delivered: true, exitCode: 0 });
        expect((await h.view()).messages).toEqual([
          { text: 'AVImark will close in 5 minute(s). Save your work.', displaySeconds: 60 },
        ]);
        expect(await h.host.waitForProcessExit([leaves, stays], 3)).toEqual([stays]);
      });

      it('a headless server without a console session is a warning, not a failure', async () => {
        await h.seed({ msg: 'noConsoleSession' });
        const r = await h.host.sendMessage('hello', 10);
        expect(r.delivered).toBe(true);
        expect(r.exitCode).toBe(1);
        expect(r.warnings.join(' ')).toMatch(/Console/);
      });

      it('a real msg.exe failure is reported, not thrown', async () => {
        await h.seed({ msg: 'fail' });
        const r = await h.host.sendMessage('hello', 10);
        expect(r.delivered).toBe(false);
        expect(r.warnings.join(' ')).toMatch(/getting session names/);
      });
    });

    describe('own-session message', () => {
      it('messages only our own session: nobody else is messaged', async () => {
        await h.seed({});
        const r = await h.host.sendMessageToOwnSession('avimark-backup selftest', 10);
        expect(r).toMatchObject({ delivered: true, exitCode: 0 });
        const v = await h.view();
        expect(v.ownSessionMessages).toEqual([{ text: 'avimark-backup selftest', displaySeconds: 10 }]);
        expect(v.messages).toEqual([]);
      });

      it('a real msg.exe failure is reported, not thrown', async () => {
        await h.seed({ msg: 'fail' });
        const r = await h.host.sendMessageToOwnSession('hello', 10);
        expect(r.delivered).toBe(false);
        expect(r.warnings.join(' ')).toMatch(/getting session names/);
      });
    });

    describe('scheduled tasks', () => {
      const folder = '\\avimark-backup-selftest\\';
      const task = (overrides: Partial<ScheduledTaskDefinition> = {}): ScheduledTaskDefinition => ({
        taskPath: folder,
        taskName: 'selftest-1234',
        execute: 'cmd.exe',
        argument: '/c exit 0',
        description: 'temporary',
        ...overrides,
      });

      it('registers a task as SYSTEM (Highest), reads it back case-insensitively; a missing task is null', async () => {
        await h.seed({});
        expect(await h.host.getScheduledTask(folder, 'selftest-1234')).toBeNull();
        await h.host.registerScheduledTask(task());
        const expected = {
          taskPath: folder,
          taskName: 'selftest-1234',
          state: 'Ready',
          execute: 'cmd.exe',
          argument: '/c exit 0',
          userId: 'NT AUTHORITY\\SYSTEM',
          runLevel: 'Highest',
        };
        expect(await h.host.getScheduledTask(folder, 'selftest-1234')).toEqual(expected);
        expect(await h.host.getScheduledTask(folder.toUpperCase(), 'SELFTEST-1234')).toEqual(expected);
        expect(await h.host.getScheduledTask(folder, 'selftest-9999')).toBeNull();
        expect(await h.host.getScheduledTask('\\elsewhere\\', 'selftest-1234')).toBeNull();
        expect((await h.view()).scheduledTasks).toEqual([
          { taskPath: folder, taskName: 'selftest-1234', description: 'temporary' },
        ]);
      });

      it('re-registering replaces the task (no duplicate); other tasks stay', async () => {
        await h.seed({});
        await h.host.registerScheduledTask(task());
        await h.host.registerScheduledTask(task({ taskName: 'other' }));
        await h.host.registerScheduledTask(task({ argument: '/c exit 1', description: 'second' }));
        expect((await h.host.getScheduledTask(folder, 'selftest-1234'))?.argument).toBe('/c exit 1');
        const tasks = (await h.view()).scheduledTasks.sort((a, b) => a.taskName.localeCompare(b.taskName));
        expect(tasks).toEqual([
          { taskPath: folder, taskName: 'other', description: 'temporary' },
          { taskPath: folder, taskName: 'selftest-1234', description: 'second' },
        ]);
      });

      it('unregisters exactly that task; unregistering a missing task fails loudly', async () => {
        await h.seed({});
        await h.host.registerScheduledTask(task());
        await h.host.registerScheduledTask(task({ taskName: 'other' }));
        await h.host.unregisterScheduledTask(folder, 'selftest-1234');
        expect(await h.host.getScheduledTask(folder, 'selftest-1234')).toBeNull();
        expect((await h.view()).scheduledTasks.map((t) => t.taskName)).toEqual(['other']);
        await expect(h.host.unregisterScheduledTask(folder, 'selftest-1234')).rejects.toBeInstanceOf(HostError);
        expect((await h.view()).scheduledTasks.map((t) => t.taskName)).toEqual(['other']);
      });

      it('an invalid task path is refused', async () => {
        await h.seed({});
        await expect(h.host.registerScheduledTask(task({ taskPath: 'no-backslashes' }))).rejects.toBeInstanceOf(
          HostError,
        );
        expect((await h.view()).scheduledTasks).toEqual([]);
      });
    });

    describe('files', () => {
      it('renames an executable away and back; never over an existing file', async () => {
        await h.seed({});
        const exe = path.join(h.paths.volumeRoot, 'avimark.exe');
        const blocked = `${exe}.avb-locked`;
        await writeFile(exe, 'MZ');
        expect(await h.host.pathExists(exe)).toBe(true);
        await h.host.renameFile(exe, blocked);
        expect([await h.host.pathExists(exe), await h.host.pathExists(blocked)]).toEqual([false, true]);
        await writeFile(exe, 'new');
        await expect(h.host.renameFile(blocked, exe)).rejects.toBeInstanceOf(HostError);
        expect(await readFile(exe, 'utf8')).toBe('new');
        await expect(
          h.host.renameFile(path.join(h.paths.volumeRoot, 'missing.exe'), `${blocked}2`),
        ).rejects.toBeInstanceOf(HostError);
      });

      it('nameOnDisk: the name as the folder spells it (an exact match first), null when nothing is there', async () => {
        await h.seed({});
        const dir = path.join(h.paths.volumeRoot, 'Case Test');
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'AVImark.exe'), 'MZ');
        expect(await h.host.nameOnDisk(path.join(dir, 'avimark.exe'))).toBe(path.join(dir, 'AVImark.exe'));
        expect(await h.host.nameOnDisk(path.join(dir, 'AVImark.exe'))).toBe(path.join(dir, 'AVImark.exe'));
        await writeFile(path.join(dir, 'avimark.exe'), 'MZ'); // possible on POSIX only: the exact one wins
        expect(await h.host.nameOnDisk(path.join(dir, 'avimark.exe'))).toBe(path.join(dir, 'avimark.exe'));
        expect(await h.host.nameOnDisk(path.join(dir, 'other.exe'))).toBeNull();
        expect(await h.host.nameOnDisk(path.join(h.paths.volumeRoot, 'no such folder', 'avimark.exe'))).toBeNull();
      });
    });

    describe('shadow copies', () => {
      it('creates a point-in-time copy, maps live paths into it, finds and deletes it', async () => {
        await h.seed({});
        const live = path.join(h.paths.volumeRoot, 'AVImark', 'CLIENT.V2$');
        await writeFile(path.join(h.paths.volumeRoot, 'top.txt'), 'top');
        await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(live), { recursive: true }));
        await writeFile(live, 'before');
        const volume = await h.host.getVolumeRoot(path.dirname(live));
        expect(volume).toBe(h.paths.volumeRoot);
        expect(await h.host.shadowCopySupported(volume)).toBe(true);
        const shadow = await h.host.createShadowCopy(volume);
        expect(shadow.id).toMatch(/^\{[0-9A-F-]{36}\}$/);
        expect(shadow.volume).toBe(volume);
        await writeFile(live, 'after');
        expect(await readFile(shadowPath(live, volume, shadow.deviceObject), 'utf8')).toBe('before');
        expect(await h.host.getShadowCopy(shadow.id)).toEqual(shadow);
        expect((await h.view()).shadowCopyIds).toEqual([shadow.id]);
        await h.host.deleteShadowCopy(shadow.id);
        expect(await h.host.getShadowCopy(shadow.id)).toBeNull();
        expect(existsSync(shadow.deviceObject)).toBe(false);
        await expect(h.host.deleteShadowCopy(shadow.id)).rejects.toBeInstanceOf(HostError);
      });

      it('reports unsupported volumes and documented failures as clear errors', async () => {
        await h.seed({ fileSystem: 'FAT32' });
        expect(await h.host.shadowCopySupported(h.paths.volumeRoot)).toBe(false);
        await expect(h.host.createShadowCopy(h.paths.volumeRoot)).rejects.toThrow(/not supported/);
        await expect(h.host.createShadowCopy('/no/such/volume/')).rejects.toThrow(/volume not found/);
        await expect(h.host.getVolumeRoot('/elsewhere/x')).rejects.toBeInstanceOf(HostError);
        expect(await h.host.getShadowCopy('{00000000-0000-0000-0000-000000000000}')).toBeNull();
      });
    });

    describe('event log', () => {
      it('writes entries under our own source', async () => {
        await h.seed({});
        await h.host.writeEvent({
          source: 'avimark-backup',
          eventId: 1001,
          level: 'Information',
          message: 'Backup finished.',
        });
        await h.host.writeEvent({ source: 'avimark-backup', eventId: 1002, level: 'Error', message: 'Line 1\nLine 2' });
        expect((await h.view()).events).toEqual([
          { source: 'avimark-backup', eventId: 1001, level: 'Information', message: 'Backup finished.' },
          { source: 'avimark-backup', eventId: 1002, level: 'Error', message: 'Line 1\nLine 2' },
        ]);
      });
    });

    describe('injection campaign: values are data, never code', { timeout: 240_000 }, () => {
      // The canary is named by an environment variable so the payloads also work as file names.
      const canary = () => process.env.AVB_CANARY ?? '';
      const payloads = [
        "it's",
        'say "hi"',
        '$(New-Item -ItemType File -Path $env:AVB_CANARY)',
        '`$(New-Item -ItemType File -Path $env:AVB_CANARY)',
        'x`',
        "'; New-Item -ItemType File -Path $env:AVB_CANARY; '",
        '"; New-Item -ItemType File -Path $env:AVB_CANARY; "',
        'a; New-Item -ItemType File -Path $env:AVB_CANARY',
        'line1\nNew-Item -ItemType File -Path $env:AVB_CANARY\n',
        'cr\r\nNew-Item -ItemType File -Path $env:AVB_CANARY',
        '\u2018; New-Item -ItemType File -Path $env:AVB_CANARY; \u2019',
        '\u201A\u201B$(New-Item -ItemType File -Path $env:AVB_CANARY)',
        '\u201C$(New-Item -ItemType File -Path $env:AVB_CANARY)\u201D',
        '\u201E$(New-Item -ItemType File -Path $env:AVB_CANARY)\u201D',
        '$env:PATH @{a=1} ${x}',
        'Ünïcödé ✓ 日本',
      ];

      it('share names, paths, descriptions and SDDL arrive unchanged', async () => {
        await h.seed({});
        for (const value of payloads) {
          const def = share(h.paths, {
            name: value,
            path: path.join(h.paths.volumeRoot, value),
            description: value,
            securityDescriptor: `${ORIGINAL_SDDL}${value}`,
          });
          await h.host.createShare(def);
          expect(await h.host.getShare(value)).toEqual(def);
          await h.host.setShareSecurityDescriptor(value, value);
          expect((await h.host.getShare(value))?.securityDescriptor).toBe(value);
        }
        expect((await h.view()).shares.map((s) => s.name)).toEqual(payloads);
        expect(existsSync(canary())).toBe(false);
      });

      it('messages arrive unchanged', async () => {
        await h.seed({});
        for (const value of payloads) expect((await h.host.sendMessage(value, 5)).delivered).toBe(true);
        expect((await h.view()).messages.map((m) => m.text)).toEqual(payloads);
        expect(existsSync(canary())).toBe(false);
      });

      it('own-session messages and scheduled-task values arrive unchanged', async () => {
        await h.seed({});
        for (const value of payloads) {
          expect((await h.host.sendMessageToOwnSession(value, 5)).delivered).toBe(true);
          const task: ScheduledTaskDefinition = {
            taskPath: '\\avb-injection\\',
            taskName: `t${payloads.indexOf(value)}`,
            execute: value,
            argument: value,
            description: value,
          };
          await h.host.registerScheduledTask(task);
          expect(await h.host.getScheduledTask(task.taskPath, task.taskName)).toMatchObject({
            execute: value,
            argument: value,
          });
          await h.host.unregisterScheduledTask(task.taskPath, task.taskName);
        }
        expect((await h.view()).ownSessionMessages.map((m) => m.text)).toEqual(payloads);
        expect((await h.view()).scheduledTasks).toEqual([]);
        expect(existsSync(canary())).toBe(false);
      });

      it('file paths arrive unchanged', async () => {
        await h.seed({});
        for (const value of payloads) {
          const file = path.join(h.paths.volumeRoot, value);
          expect(await h.host.pathExists(file)).toBe(false);
          await writeFile(file, value);
          expect(await h.host.pathExists(file)).toBe(true);
          await h.host.renameFile(file, `${file}.locked`);
          expect(await readFile(`${file}.locked`, 'utf8')).toBe(value);
          await h.host.renameFile(`${file}.locked`, file);
        }
        expect(existsSync(canary())).toBe(false);
      });

      it('service, process and event values arrive unchanged', async () => {
        await h.seed({});
        for (const value of payloads) {
          expect(await h.host.getService(value)).toBeNull();
          expect(await h.host.listProcesses([value])).toEqual([]);
          await h.host.writeEvent({ source: 'avimark-backup', eventId: 1, level: 'Warning', message: value });
        }
        expect((await h.view()).events.map((e) => e.message)).toEqual(payloads);
        expect(existsSync(canary())).toBe(false);
      });
    });
  });
}
