import { randomBytes } from 'node:crypto';
import { safetyNetStep, safetyNetTask } from '../lockout/safety-net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, errorMessage } from '../errors';
import { shadowPath } from '../fs/shadow-path';
import type { ShareDefinition } from '../host/types';
import { sendAlertEmail } from '../report/email';
import { EventId } from '../report/event-log';
import { computerName } from '../report/notify';
import type { SelftestContext } from './types';

/**
 * One capability check: does its work on throwaway objects it creates itself and removes again
 * (in `finally`, whatever happens), never on AVImark's share, services, processes or files.
 * Returns a detail line; throws (with a message) when the capability does not work.
 */
export interface Check {
  id: string;
  title: string;
  /** Sentence telling the administrator how to fix a failure. */
  fix: string;
  /** A reason to skip, or null to run. */
  skip(ctx: SelftestContext): string | null;
  run(ctx: SelftestContext): Promise<string>;
}

/** The lockout's deny-all ACL (same shape as lockout/steps.ts DENY_ALL_SHARE_SDDL). */
const LOCKED_SDDL = 'O:BAG:BAD:(D;;FA;;;WD)';
/** Full control for Administrators only: what the throwaway share starts with. */
const PROBE_SDDL = 'O:BAG:BAD:(A;;FA;;;BA)';
export const SELFTEST_TASK_PATH = '\\avimark-backup-selftest\\';

/** A throwaway folder for the share and shadow checks: under the state folder, or at the root of `volumeRoot`. */
async function throwawayFolder(parent: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  return mkdtemp(path.join(parent, 'avimark-backup-selftest-'));
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export const powershellCheck: Check = {
  id: 'powershell',
  title: 'PowerShell bridge',
  fix: 'Windows PowerShell 5.1 must start ("powershell" on PATH), or set powershell.executable to pwsh.exe or a full path; check that no policy blocks powershell.exe for the account that runs avimark-backup.',
  skip: () => null,
  async run(ctx) {
    const info = await ctx.host.info();
    return `${info.psEdition} PowerShell ${info.psVersion} on ${info.computerName}${info.simulated ? ' (SIMULATED server)' : ''}`;
  },
};

export const shareCheck: Check = {
  id: 'share',
  title: 'SMB share: create, lock (deny-all ACL), restore the exact SDDL, remove',
  fix: 'Run avimark-backup elevated (as Administrator, or as SYSTEM from the scheduled task); the Server service (LanmanServer) must be running and the SmbShare module present (Windows Server 2012 or later).',
  skip: () => null,
  async run(ctx) {
    const name = `avb-selftest-${ctx.suffix}$`;
    if (ctx.settings.lockout.share && sameText(ctx.settings.lockout.share.name, name))
      throw new Error(`refusing to use the name of AVImark's share (${name})`);
    const folder = await throwawayFolder(ctx.settings.stateDir);
    let created = false;
    try {
      const definition: ShareDefinition = {
        name,
        scopeName: '*',
        path: folder,
        description: 'avimark-backup selftest (temporary; safe to remove)',
        concurrentUserLimit: 0,
        cachingMode: 'Manual',
        folderEnumerationMode: 'Unrestricted',
        encryptData: false,
        continuouslyAvailable: false,
        caTimeout: 0,
        temporary: false,
        special: false,
        securityDescriptor: PROBE_SDDL,
      };
      await ctx.host.createShare(definition);
      created = true;
      const original = await ctx.host.getShare(name);
      if (!original) throw new Error(`share ${name} was created but Get-SmbShare does not find it`);
      await ctx.host.setShareSecurityDescriptor(name, LOCKED_SDDL);
      const locked = await ctx.host.getShare(name);
      if (!locked || locked.securityDescriptor === original.securityDescriptor) {
        throw new Error(`the deny-all ACL did not take effect (SDDL still ${locked?.securityDescriptor ?? 'missing'})`);
      }
      await ctx.host.setShareSecurityDescriptor(name, original.securityDescriptor);
      const restored = await ctx.host.getShare(name);
      if (!restored || restored.securityDescriptor !== original.securityDescriptor) {
        throw new Error(
          `SDDL not restored exactly: was ${original.securityDescriptor}, now ${restored?.securityDescriptor ?? 'missing'}`,
        );
      }
      await ctx.host.removeShare(name);
      created = false;
      if (await ctx.host.getShare(name)) throw new Error(`share ${name} is still there after Remove-SmbShare`);
      return `share ${name} on ${folder}: locked with ${LOCKED_SDDL}, restored to ${original.securityDescriptor} byte for byte, removed`;
    } finally {
      if (created)
        await ctx.host
          .removeShare(name)
          .catch((err: unknown) =>
            ctx.log.warn({ share: name, problem: errorMessage(err) }, 'selftest: could not remove the temporary share'),
          );
      await rm(folder, { recursive: true, force: true });
    }
  },
};

export const shadowCheck: Check = {
  id: 'shadow',
  title: "Volume shadow copy of the source's volume: create, read a file through it, delete",
  fix: 'Shadow copies need an elevated process, the Volume Shadow Copy (VSS) service set to Manual or Automatic, an NTFS or ReFS volume and free shadow storage (vssadmin list shadowstorage). Without them, mode "auto" uses "presync" (a longer offline window).',
  skip: (ctx) => (ctx.settings.source ? null : 'no "source" configured, so no volume to test'),
  async run(ctx) {
    const source = ctx.settings.source as string;
    const volume = await ctx.host.getVolumeRoot(source);
    if (!(await ctx.host.shadowCopySupported(volume)))
      throw new Error(`shadow copies are not available for volume ${volume}`);
    const stateVolume = await ctx.host.getVolumeRoot(ctx.settings.stateDir).catch(() => null);
    const folder = await throwawayFolder(
      stateVolume !== null && sameText(stateVolume, volume) ? ctx.settings.stateDir : volume,
    );
    const probe = path.join(folder, 'probe.bin');
    const content = randomBytes(4096);
    let shadowId: string | null = null;
    try {
      await writeFile(probe, content);
      const shadow = await ctx.host.createShadowCopy(volume);
      shadowId = shadow.id;
      // Written after the shadow was taken: the shadow must still show the original bytes.
      await writeFile(probe, Buffer.alloc(content.length));
      const inShadow = shadowPath(probe, volume, shadow.deviceObject);
      const read = await readFile(inShadow);
      if (!read.equals(content))
        throw new Error(`${inShadow} does not hold the bytes the file had when the shadow was taken`);
      await ctx.host.deleteShadowCopy(shadow.id);
      shadowId = null;
      if (await ctx.host.getShadowCopy(shadow.id)) throw new Error(`shadow ${shadow.id} is still there after deletion`);
      return `shadow ${shadow.id} of ${volume}: read ${content.length} bytes of a probe file through ${shadow.deviceObject}, deleted`;
    } finally {
      if (shadowId)
        await ctx.host
          .deleteShadowCopy(shadowId)
          .catch((err: unknown) =>
            ctx.log.warn({ shadowId, problem: errorMessage(err) }, 'selftest: could not delete the shadow copy'),
          );
      await rm(folder, { recursive: true, force: true });
    }
  },
};

export const messageCheck: Check = {
  id: 'message',
  title: 'msg.exe to this session only',
  fix: 'msg.exe must exist (%windir%\\System32\\msg.exe; not on Home editions) and the Terminal Services / Remote Desktop Services service must be running. When it fails, users get no warning before the lockout (the backup still runs).',
  skip: () => null,
  async run(ctx) {
    const result = await ctx.host.sendMessageToOwnSession(
      'avimark-backup selftest: users will see the backup warnings like this one.',
      10,
    );
    if (!result.delivered) throw new Error(result.warnings.join('; ') || `msg.exe exited with code ${result.exitCode}`);
    return `delivered (msg.exe exit code ${result.exitCode})${result.warnings.length ? `; ${result.warnings.join('; ')}` : ''}`;
  },
};

export const eventLogCheck: Check = {
  id: 'eventlog',
  title: 'Windows Event Log entry under our source',
  fix: 'The first write registers the event source, which needs elevation once: run selftest as Administrator, or run  New-EventLog -LogName Application -Source avimark-backup  in an elevated Windows PowerShell.',
  skip: (ctx) => (ctx.settings.alerts.eventLog.enabled ? null : 'alerts.eventLog.enabled is false'),
  async run(ctx) {
    const source = ctx.settings.alerts.eventLog.source;
    await ctx.host.writeEvent({
      source,
      eventId: EventId.SelftestProbe,
      level: 'Information',
      message: 'avimark-backup selftest: the Event Log works.',
    });
    return `event ${EventId.SelftestProbe} written to the Application log under source "${source}"`;
  },
};

export const scheduledTaskCheck: Check = {
  id: 'task',
  title: 'Scheduled task as SYSTEM (highest privileges), like the lockout safety net: register, read back, remove',
  fix: 'Registering tasks that run as SYSTEM needs an elevated process and the Task Scheduler service (Schedule) running; the ScheduledTasks module ships with Windows Server 2012 and later.',
  skip: () => null,
  async run(ctx) {
    const host = ctx.host;
    const taskName = `selftest-${ctx.suffix}`;
    let registered = false;
    try {
      // A throwaway copy of the lockout's safety net (issue 13 §2): the same registration (our own
      // `recover --config`, a one-shot trigger), under the selftest folder, due only in a year.
      const safetyNet = safetyNetStep({ now: new Date(), maxLockoutMinutes: 365 * 24 * 60 });
      registered = true; // (a failed registration may still have left it)
      await host.registerScheduledTask(safetyNetTask({ ...safetyNet, taskPath: SELFTEST_TASK_PATH, taskName }));
      const info = await host.getScheduledTask(SELFTEST_TASK_PATH, taskName);
      if (!info)
        throw new Error(`task ${SELFTEST_TASK_PATH}${taskName} was registered but Get-ScheduledTask does not find it`);
      if (!/SYSTEM$/i.test(info.userId) || info.runLevel !== 'Highest')
        throw new Error(`task runs as ${info.userId} (${info.runLevel}), not SYSTEM (Highest)`);
      await host.unregisterScheduledTask(SELFTEST_TASK_PATH, taskName);
      registered = false;
      if (await host.getScheduledTask(SELFTEST_TASK_PATH, taskName))
        throw new Error('the task is still there after Unregister-ScheduledTask');
      return `task ${SELFTEST_TASK_PATH}${taskName} registered as ${info.userId} (${info.runLevel}), removed`;
    } finally {
      if (registered)
        await host
          .unregisterScheduledTask(SELFTEST_TASK_PATH, taskName)
          .catch((err: unknown) =>
            ctx.log.warn({ taskName, problem: errorMessage(err) }, 'selftest: could not remove the temporary task'),
          );
    }
  },
};

export const emailCheck: Check = {
  id: 'email',
  title: 'Alert e-mail (a test message)',
  fix: 'Check alerts.email: host, port and security (starttls on 587, tls on 465), user, and that the password variable or file is readable by the account that runs the task (SYSTEM for the scheduled task); a private certificate authority goes in caFile.',
  skip: (ctx) => (ctx.settings.alerts.email ? null : 'alerts.email is not configured'),
  async run(ctx) {
    const email = ctx.settings.alerts.email;
    if (!email) throw new Error('alerts.email is not configured');
    const now = new Date();
    const result = await sendAlertEmail(
      email,
      {
        command: 'selftest',
        outcome: 'success',
        exitCode: ExitCode.Success,
        startedAt: now,
        finishedAt: now,
        computerName: computerName(),
        message: 'This is a test message from avimark-backup selftest: alert e-mail works.',
        summary: null,
      },
      ctx.emailDeps,
    );
    if (!result.sent) throw new Error(result.error ?? 'not sent');
    return `test message sent to ${email.to.join(', ')} via ${email.host}:${email.port} (${email.security})`;
  },
};

/** In order: the bridge first (everything else needs it). */
export const allChecks: Check[] = [
  powershellCheck,
  shareCheck,
  shadowCheck,
  messageCheck,
  eventLogCheck,
  scheduledTaskCheck,
  emailCheck,
];
