import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockoutSchema } from '../../../src/config/schema';
import type { ShareDefinition } from '../../../src/host/types';
import { describePlan, lockoutPlan, type HostObservations } from '../../../src/lockout/plan';
import { DENY_ALL_SHARE_SDDL } from '../../../src/lockout/steps';

const source = 'C:\\AVImark';
const share: ShareDefinition = {
  name: 'AVImark',
  scopeName: '*',
  path: source,
  description: '',
  concurrentUserLimit: 0,
  cachingMode: 'Manual',
  folderEnumerationMode: 'Unrestricted',
  encryptData: false,
  continuouslyAvailable: false,
  caTimeout: 0,
  temporary: false,
  special: false,
  securityDescriptor: 'O:BAG:DUD:(A;;FA;;;WD)',
};

function observed(over: Partial<HostObservations> = {}): HostObservations {
  return {
    share,
    services: [
      {
        name: 'AVImarkServer',
        info: { name: 'AVImarkServer', displayName: 'AVImark Server', status: 'Running', startType: 'Automatic' },
      },
    ],
    processes: [{ id: 7, name: 'avimark', sessionId: 2, userName: 'HOSP\\bob', path: null }],
    executables: [
      {
        path: path.win32.join(source, 'avimark.exe'),
        onDisk: path.win32.join(source, 'avimark.exe'),
        lockedExists: false,
      },
    ],
    openFiles: [
      {
        fileId: '1',
        sessionId: 's1',
        path: 'C:\\AVImark\\CLIENT.V2$',
        shareRelativePath: 'CLIENT.V2$',
        clientComputerName: 'PC1',
        clientUserName: 'HOSP\\anna',
      },
    ],
    sessions: [
      { sessionId: 's1', clientComputerName: 'PC1', clientUserName: 'HOSP\\anna', numOpens: 1 },
      { sessionId: 's2', clientComputerName: 'PC2', clientUserName: 'HOSP\\dan', numOpens: 0 },
    ],
    ...over,
  };
}

describe('lockoutPlan', () => {
  // issue 13 §8: block new entry, then the polite close while AVImarkServer and the open files still work.
  it('orders the steps: rename, share, polite close, open files, services, force-stop', () => {
    const plan = lockoutPlan({ lockout: lockoutSchema.parse({}), source }, observed());
    expect(plan.problems).toEqual([]);
    expect(plan.steps.map((s) => s.kind)).toEqual([
      'renameExecutable',
      'lockShareSddl',
      'closeProcesses',
      'closeOpenFiles',
      'stopService',
      'forceStopProcesses',
    ]);
    const rename = plan.steps[0];
    expect(rename).toEqual({
      kind: 'renameExecutable',
      path: 'C:\\AVImark\\avimark.exe',
      lockedPath: 'C:\\AVImark\\avimark.exe.avimark-backup-locked',
    });
    const lock = plan.steps[1];
    expect(lock.kind === 'lockShareSddl' && lock.lockedSddl).toBe(DENY_ALL_SHARE_SDDL);
    expect(lock.kind === 'lockShareSddl' && lock.original.securityDescriptor).toBe(share.securityDescriptor);
    const svc = plan.steps[4];
    expect(svc).toMatchObject({
      kind: 'stopService',
      service: 'AVImarkServer',
      originalStartType: 'Automatic',
      originalStatus: 'Running',
      timeoutSeconds: 120,
    });
    // Only the session holding a file under the folder is in the step.
    const close = plan.steps[3];
    expect(close.kind === 'closeOpenFiles' && close.observedSessions.map((s) => s.sessionId)).toEqual(['s1']);
  });

  it('is pure: the same input gives the same plan', () => {
    const input = { lockout: lockoutSchema.parse({}), source };
    expect(lockoutPlan(input, observed())).toEqual(lockoutPlan(input, observed()));
  });

  it('removes the share (saving its full definition) when method is remove', () => {
    const plan = lockoutPlan(
      { lockout: lockoutSchema.parse({ share: { name: 'AVImark', method: 'remove' } }), source },
      observed(),
    );
    expect(plan.steps[1]).toEqual({ kind: 'removeShare', share: 'AVImark', original: share });
  });

  it('names the config field of everything not found, unless optional', () => {
    const lockout = lockoutSchema.parse({
      services: [{ name: 'AVImarkServer' }, { name: 'Missing' }, { name: 'MaybeMissing', optional: true }],
      executables: [{ path: '/srv/AVImark/avimark.exe' }, { path: '/srv/AVImark/Guardian.exe', optional: true }],
    });
    const plan = lockoutPlan(
      { lockout, source },
      observed({
        share: null,
        services: [...observed().services, { name: 'Missing', info: null }, { name: 'MaybeMissing', info: null }],
        executables: [{ path: '/srv/AVImark/avimark.exe', onDisk: '/srv/AVImark/avimark.exe', lockedExists: false }],
      }),
    );
    expect(plan.problems.map((p) => p.field)).toEqual(['lockout.share.name', 'lockout.services[1].name']);
    expect(plan.notes.join('\n')).toMatch(/MaybeMissing not found \(optional\)/);
    expect(plan.notes.join('\n')).toMatch(/Guardian\.exe not found \(optional\)/);
  });

  it('refuses to start over a lockout that was never undone', () => {
    const plan = lockoutPlan(
      { lockout: lockoutSchema.parse({}), source },
      observed({
        share: { ...share, securityDescriptor: DENY_ALL_SHARE_SDDL },
        executables: [{ path: 'C:\\AVImark\\avimark.exe', onDisk: null, lockedExists: true }],
      }),
    );
    expect(plan.problems).toHaveLength(2);
    expect(plan.problems.every((p) => /recover/.test(p.message))).toBe(true);
  });

  it('refuses administrative shares and empty security descriptors', () => {
    const special = lockoutPlan(
      { lockout: lockoutSchema.parse({}), source },
      observed({ share: { ...share, special: true } }),
    );
    expect(special.problems[0].message).toMatch(/administrative share/);
    const empty = lockoutPlan(
      { lockout: lockoutSchema.parse({}), source },
      observed({ share: { ...share, securityDescriptor: '' } }),
    );
    expect(empty.problems[0].message).toMatch(/empty security descriptor/);
  });

  it('a process that is not running is not a problem (nobody is logged in at night)', () => {
    const plan = lockoutPlan({ lockout: lockoutSchema.parse({}), source }, observed({ processes: [] }));
    expect(plan.problems).toEqual([]);
  });

  it('describes users, share, services, processes and files for --dry-run', () => {
    const input = { lockout: lockoutSchema.parse({}), source };
    const text = describePlan(lockoutPlan(input, observed()), observed()).join('\n');
    expect(text).toContain('HOSP\\anna on PC1 (SMB)');
    expect(text).toContain('HOSP\\bob (session 2, avimark pid 7)');
    expect(text).toContain(DENY_ALL_SHARE_SDDL);
    expect(text).toContain('C:\\AVImark\\CLIENT.V2$ (HOSP\\anna)');
    expect(text).toContain('service AVImarkServer: set Disabled, stop');
  });
});
