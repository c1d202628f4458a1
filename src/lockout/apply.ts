import { HostError, type WindowsHost } from '../host/types';
import { safetyNetTask } from './safety-net';
import type { LockoutStep } from './steps';

/** A lockout step did not take effect; the cycle gives everything back and fails with this message. */
export class StepFailedError extends Error {
  constructor(
    readonly step: LockoutStep,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StepFailedError';
  }
}

/**
 * Takes one step on the server and checks that it took effect. Returns what it did, in words, for
 * the journal and the log. Throws StepFailedError when the step failed or did not hold.
 */
export async function applyStep(host: WindowsHost, step: LockoutStep): Promise<string[]> {
  try {
    return await applyUnchecked(host, step);
  } catch (err) {
    if (err instanceof StepFailedError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new StepFailedError(step, detail, { cause: err });
  }
}

async function applyUnchecked(host: WindowsHost, step: LockoutStep): Promise<string[]> {
  switch (step.kind) {
    case 'safetyNet': {
      await host.registerScheduledTask(safetyNetTask(step));
      if (!(await host.getScheduledTask(step.taskPath, step.taskName))) {
        throw new StepFailedError(step, `the task ${step.taskPath}${step.taskName} is not there after registering it`);
      }
      return [
        `scheduled task ${step.taskPath}${step.taskName} runs "${step.execute}" ${step.argument} at ${step.runAt}`,
      ];
    }
    case 'renameExecutable': {
      await host.renameFile(step.path, step.lockedPath);
      if ((await host.pathExists(step.path)) || !(await host.pathExists(step.lockedPath))) {
        throw new StepFailedError(step, `${step.path} is still in place after renaming it`);
      }
      return [`renamed ${step.path} to ${step.lockedPath}`];
    }
    case 'lockShareSddl': {
      await host.setShareSecurityDescriptor(step.share, step.lockedSddl);
      const now = await host.getShare(step.share);
      if (!now) throw new StepFailedError(step, `share ${step.share} vanished while it was being locked`);
      if (now.securityDescriptor !== step.lockedSddl) {
        throw new StepFailedError(step, `share ${step.share} still has ACL ${now.securityDescriptor} after locking it`);
      }
      return [`share ${step.share}: ACL replaced with ${step.lockedSddl}`];
    }
    case 'removeShare': {
      await host.removeShare(step.share);
      if (await host.getShare(step.share))
        throw new StepFailedError(step, `share ${step.share} still exists after removing it`);
      return [`share ${step.share} removed`];
    }
    case 'closeOpenFiles':
      return closeOpenFiles(host, step);
    case 'stopService':
      return stopService(host, step);
    case 'closeProcesses':
      return closeProcesses(host, step);
    case 'forceStopProcesses':
      return forceStopProcesses(host, step);
  }
}

type StepOf<K extends LockoutStep['kind']> = Extract<LockoutStep, { kind: K }>;

/** Closes the SMB files open under the source and the sessions holding them. */
async function closeOpenFiles(host: WindowsHost, step: StepOf<'closeOpenFiles'>): Promise<string[]> {
  const files = await host.listOpenFiles(step.pathPrefix);
  const detail: string[] = [];
  if (files.length > 0) {
    await host.closeOpenFiles(files.map((f) => f.fileId));
    for (const f of files) detail.push(`closed ${f.path} (${f.clientUserName} on ${f.clientComputerName})`);
  }
  const sessionIds = [...new Set(files.map((f) => f.sessionId))];
  if (sessionIds.length > 0) {
    await host.closeSessions(sessionIds);
    detail.push(`closed SMB sessions ${sessionIds.join(', ')}`);
  }
  return detail.length > 0 ? detail : ['no SMB files were open'];
}

/** Disables the service, then stops it, and checks both took. */
async function stopService(host: WindowsHost, step: StepOf<'stopService'>): Promise<string[]> {
  await host.setServiceStartType(step.service, 'Disabled');
  const before = await host.getService(step.service);
  if (!before) throw new StepFailedError(step, `service ${step.service} vanished`);
  if (before.status !== 'Stopped') await host.stopService(step.service, step.timeoutSeconds);
  const after = await host.getService(step.service);
  if (after?.status !== 'Stopped' || after.startType !== 'Disabled') {
    throw new StepFailedError(
      step,
      `service ${step.service} is ${after ? `${after.status} (${after.startType})` : 'gone'} after stopping and disabling it`,
    );
  }
  return [`service ${step.service}: Disabled and Stopped (was ${step.originalStatus}, ${step.originalStartType})`];
}

/** Asks the processes to close and waits the grace period; those still running are reported, not an error. */
async function closeProcesses(host: WindowsHost, step: StepOf<'closeProcesses'>): Promise<string[]> {
  const running = await host.listProcesses(step.names);
  if (running.length === 0) return ['no process was running'];
  const ids = running.map((p) => p.id);
  const detail: string[] = [];
  try {
    await host.requestProcessClose(ids);
  } catch (err) {
    // Across sessions a polite close often cannot reach the window; the force-stop step follows.
    if (!(err instanceof HostError)) throw err;
    detail.push(`polite close not possible: ${err.message}`);
  }
  const left = await host.waitForProcessExit(ids, step.graceSeconds);
  const closed = running.filter((p) => !left.includes(p.id));
  if (closed.length > 0) detail.push(`closed ${closed.map((p) => `${p.name} pid ${p.id}`).join(', ')}`);
  if (left.length > 0) detail.push(`still running after ${step.graceSeconds}s: pids ${left.join(', ')}`);
  return detail;
}

/** Force-stops what is still running; one that survives fails the step. */
async function forceStopProcesses(host: WindowsHost, step: StepOf<'forceStopProcesses'>): Promise<string[]> {
  const running = await host.listProcesses(step.names);
  if (running.length === 0) return ['nothing left to force-stop'];
  const ids = running.map((p) => p.id);
  let stopError: unknown = null;
  try {
    await host.forceStopProcesses(ids);
  } catch (err) {
    stopError = err;
  }
  const left = await host.waitForProcessExit(ids, step.waitSeconds);
  if (left.length > 0) {
    const names = running
      .filter((p) => left.includes(p.id))
      .map((p) => `${p.name} pid ${p.id}${p.userName ? ` (${p.userName})` : ''}`);
    const why = stopError instanceof Error ? `: ${stopError.message}` : '';
    throw new StepFailedError(step, `process would not stop even when forced: ${names.join(', ')}${why}`, {
      cause: stopError,
    });
  }
  return [`force-stopped ${running.map((p) => `${p.name} pid ${p.id}`).join(', ')}`];
}
