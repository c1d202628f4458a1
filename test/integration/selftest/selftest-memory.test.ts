import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryHost } from '../../../src/host/memory';
import type { ShareDefinition } from '../../../src/host/types';
import { silentLogger } from '../../../src/log/logger';
import { EventId } from '../../../src/report/event-log';
import { renderSelftest, runSelftest } from '../../../src/selftest/run';
import type { SelftestSettings } from '../../../src/selftest/types';
import { tempDir } from '../../helpers/cli';

/** selftest's logic against the in-memory Windows host: what each check does, reports and leaves behind. */

let dir: string;
let cleanup: () => Promise<void>;
let volumeRoot: string;

const avimarkShare = (p: string): ShareDefinition => ({
  name: 'AVImark',
  scopeName: '*',
  path: p,
  description: 'AVImark data',
  concurrentUserLimit: 0,
  cachingMode: 'Manual',
  folderEnumerationMode: 'Unrestricted',
  encryptData: false,
  continuouslyAvailable: false,
  caTimeout: 0,
  temporary: false,
  special: false,
  securityDescriptor: 'O:BAG:BAD:(A;;FA;;;WD)',
});

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-selftest-'));
  volumeRoot = `${path.join(dir, 'C')}/`;
  await mkdir(path.join(volumeRoot, 'AVImark'), { recursive: true });
  await mkdir(path.join(volumeRoot, 'ProgramData', 'avimark-backup'), { recursive: true });
});
afterEach(async () => cleanup());

function settings(overrides: Partial<SelftestSettings> = {}): SelftestSettings {
  return {
    source: path.join(volumeRoot, 'AVImark'),
    stateDir: path.join(volumeRoot, 'ProgramData', 'avimark-backup'),
    lockout: { share: { name: 'AVImark' } },
    alerts: { eventLog: { enabled: true, source: 'avimark-backup' }, email: null },
    ...overrides,
  };
}

function memoryServer(withShadows: boolean) {
  return createMemoryHost({
    shares: [avimarkShare(path.join(volumeRoot, 'AVImark'))],
    services: [{ name: 'AVImarkServer', displayName: 'AVImark Server', status: 'Running', startType: 'Automatic' }],
    volumes: [
      { root: volumeRoot, fileSystem: 'NTFS', ...(withShadows ? { shadowDir: path.join(dir, 'shadows') } : {}) },
    ],
  });
}

describe('selftest against the in-memory host', () => {
  it('runs every host check (share, shadow, message, Event Log, task) and leaves only the event behind', async () => {
    const host = memoryServer(true);
    const sharesBefore = structuredClone(host.state.shares);
    const servicesBefore = structuredClone(host.state.services);
    const report = await runSelftest({ host, settings: settings(), log: silentLogger(), suffix: 'abcd1234' });

    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['powershell', 'ok'],
      ['share', 'ok'],
      ['shadow', 'ok'],
      ['message', 'ok'],
      ['eventlog', 'ok'],
      ['task', 'ok'],
      ['email', 'skipped'],
    ]);
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.id === 'email')?.detail).toBe('alerts.email is not configured');
    const share = report.checks.find((c) => c.id === 'share');
    expect(share?.detail).toContain('avb-selftest-abcd1234$');
    expect(share?.detail).toContain('restored to O:BAG:BAD:(A;;FA;;;BA) byte for byte');

    // The temporary share was locked, restored and removed; AVImark's share and service untouched.
    const shareCalls = host.state.calls.filter((c) =>
      ['createShare', 'setShareSecurityDescriptor', 'removeShare'].includes(c.operation),
    );
    expect(shareCalls.map((c) => [c.operation, (c.args[0] as { name?: string }).name ?? c.args[0], c.args[1]])).toEqual(
      [
        ['createShare', 'avb-selftest-abcd1234$', undefined],
        ['setShareSecurityDescriptor', 'avb-selftest-abcd1234$', 'O:BAG:BAD:(D;;FA;;;WD)'],
        ['setShareSecurityDescriptor', 'avb-selftest-abcd1234$', 'O:BAG:BAD:(A;;FA;;;BA)'],
        ['removeShare', 'avb-selftest-abcd1234$', undefined],
      ],
    );
    expect(host.state.shares).toEqual(sharesBefore);
    expect(host.state.services).toEqual(servicesBefore);
    expect(
      host.state.calls.some((c) =>
        ['stopService', 'setServiceStartType', 'forceStopProcesses', 'sendMessage', 'closeSessions'].includes(
          c.operation,
        ),
      ),
    ).toBe(false);
    expect(host.state.shadowCopies).toEqual([]);
    // The message went to our own session only; nobody else was messaged.
    expect(host.state.ownSessionMessages).toEqual([
      {
        text: 'avimark-backup selftest: users will see the backup warnings like this one.',
        displaySeconds: 10,
        sessionId: host.state.ownSessionId,
      },
    ]);
    expect(host.state.messages).toEqual([]);
    // The throwaway task was registered as SYSTEM (Highest), read back and removed.
    const taskCalls = host.state.calls.filter((c) => /ScheduledTask$/.test(c.operation)).map((c) => c.operation);
    expect(taskCalls).toEqual([
      'registerScheduledTask',
      'getScheduledTask',
      'unregisterScheduledTask',
      'getScheduledTask',
    ]);
    expect(host.state.calls.find((c) => c.operation === 'registerScheduledTask')?.args[0]).toMatchObject({
      taskPath: '\\avimark-backup-selftest\\',
      taskName: 'selftest-abcd1234',
    });
    expect(report.checks.find((c) => c.id === 'task')?.detail).toBe(
      'task \\avimark-backup-selftest\\selftest-abcd1234 registered as NT AUTHORITY\\SYSTEM (Highest), removed',
    );
    expect(host.state.scheduledTasks).toEqual([]);
    expect(host.state.events).toEqual([
      {
        source: 'avimark-backup',
        eventId: EventId.SelftestProbe,
        level: 'Information',
        message: 'avimark-backup selftest: the Event Log works.',
      },
    ]);
    // No throwaway folders left in the state folder or on the volume.
    expect(await readdir(settings().stateDir)).toEqual([]);
    expect((await readdir(volumeRoot)).sort()).toEqual(['AVImark', 'ProgramData']);
    expect(renderSelftest(report)).toMatch(
      /Everything checked works \(1 skipped\)\. Nothing of AVImark's was touched\./,
    );
  });

  it('puts the shadow probe at the root of the source volume when the state folder is on another volume, and removes it', async () => {
    const otherRoot = `${path.join(dir, 'D')}/`;
    await mkdir(otherRoot, { recursive: true });
    const host = memoryServer(true);
    host.state.volumes.push({ root: otherRoot, fileSystem: 'NTFS' });
    const report = await runSelftest({
      host,
      settings: settings({ stateDir: path.join(otherRoot, 'state') }),
      log: silentLogger(),
      suffix: 'beef',
    });
    expect(report.checks.find((c) => c.id === 'shadow')).toMatchObject({ status: 'ok' });
    const probeCalls = host.state.calls.filter((c) => c.operation === 'createShadowCopy').map((c) => c.args[0]);
    expect(probeCalls).toEqual([volumeRoot]);
    expect((await readdir(volumeRoot)).sort()).toEqual(['AVImark', 'ProgramData']);
    expect(await readdir(path.join(otherRoot, 'state'))).toEqual([]);
  });

  it('reports each failure with its fix, cleans up after a failure half-way, and exits non-ok', async () => {
    const host = memoryServer(false);
    host.state.faults.push({ operation: 'setShareSecurityDescriptor', message: 'Access is denied.' });
    host.state.faults.push({
      operation: 'writeEvent',
      message: 'The source was not found, but some or all event logs could not be searched.',
    });
    const report = await runSelftest({ host, settings: settings(), log: silentLogger(), suffix: 'f00d' });
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(report.ok).toBe(false);
    expect(byId.share.status).toBe('failed');
    expect(byId.share.detail).toContain('Access is denied.');
    expect(byId.share.fix).toMatch(/elevated/);
    expect(byId.shadow.status).toBe('failed');
    expect(byId.shadow.detail).toContain('not available for volume');
    expect(byId.shadow.fix).toMatch(/presync/);
    expect(byId.eventlog.status).toBe('failed');
    expect(byId.eventlog.fix).toContain('New-EventLog -LogName Application -Source avimark-backup');
    // The share created before the failure was removed again.
    expect(host.state.shares.map((s) => s.name)).toEqual(['AVImark']);
    expect(await readdir(settings().stateDir)).toEqual([]);
    const text = renderSelftest(report);
    expect(text).toMatch(/\[FAIL\] SMB share/);
    expect(text).toMatch(/3 of 7 checks FAILED/);
  });

  it('reports msg.exe and Task Scheduler failures with their fix, and removes a task registered before a failure', async () => {
    const host = memoryServer(true);
    host.state.messageBehaviour = 'fail';
    host.state.faults.push({ operation: 'getScheduledTask', message: 'The Task Scheduler service is not running.' });
    const report = await runSelftest({ host, settings: settings(), log: silentLogger(), suffix: 'cafe' });
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(report.ok).toBe(false);
    expect(byId.message).toMatchObject({ status: 'failed' });
    expect(byId.message.detail).toContain('getting session names');
    expect(byId.message.fix).toMatch(/msg\.exe must exist/);
    expect(byId.task).toMatchObject({ status: 'failed', detail: 'The Task Scheduler service is not running.' });
    expect(byId.task.fix).toMatch(/Task Scheduler service/);
    expect(host.state.scheduledTasks).toEqual([]);
    expect(host.state.calls.filter((c) => c.operation === 'unregisterScheduledTask').map((c) => c.args)).toEqual([
      ['\\avimark-backup-selftest\\', 'selftest-cafe'],
    ]);
  });

  it('a task left behind by a killed selftest does not block the next one', async () => {
    const host = memoryServer(true);
    await host.registerScheduledTask({
      taskPath: '\\avimark-backup-selftest\\',
      taskName: 'selftest-dead',
      execute: 'cmd.exe',
      argument: '/c exit 0',
      description: 'old',
    });
    const report = await runSelftest({ host, settings: settings(), log: silentLogger(), suffix: 'dead' });
    expect(report.checks.find((c) => c.id === 'task')).toMatchObject({ status: 'ok' });
    expect(host.state.scheduledTasks).toEqual([]);
  });

  it('skips the host checks with one clear cause when the PowerShell bridge does not start', async () => {
    const host = memoryServer(true);
    host.state.faults.push({ operation: 'info', message: 'powershell.exe could not be started' });
    const report = await runSelftest({ host, settings: settings({ source: null }), log: silentLogger(), suffix: 'x' });
    expect(report.checks[0]).toMatchObject({
      id: 'powershell',
      status: 'failed',
      detail: 'powershell.exe could not be started',
    });
    for (const c of report.checks.slice(1, -1)) {
      expect(c.status, c.id).toBe('skipped');
      expect(c.detail, c.id).toContain('the PowerShell bridge does not work');
    }
    expect(host.state.calls.map((c) => c.operation)).toEqual(['info']);
  });
});
