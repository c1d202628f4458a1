import pRetry from 'p-retry';
import type { ShareDefinition, WindowsHost } from '../host/types';
import { wasRunning } from './manual';
import type { LockoutStep } from './steps';

export interface UndoOutcome {
  /** What was done, in words. */
  detail: string[];
  /** Things the administrator should know that did not stop the give-back. */
  warnings: string[];
}

/** How hard give-back tries one step before reporting it (exit 4): a PowerShell call may time out once. */
export interface UndoRetryPolicy {
  attempts: number;
  firstDelayMs: number;
  /** No new attempt starts after this long since the first. */
  maxTotalMs: number;
}

export const DEFAULT_UNDO_RETRY: UndoRetryPolicy = { attempts: 3, firstDelayMs: 500, maxTotalMs: 60_000 };

/** `undoStep`, tried again (with a short backoff) when it fails; the last error is thrown. */
export function undoStepWithRetry(
  host: WindowsHost,
  step: LockoutStep,
  policy: UndoRetryPolicy = DEFAULT_UNDO_RETRY,
  onRetry?: (err: unknown, attempt: number) => void,
): Promise<UndoOutcome> {
  return pRetry(() => undoStep(host, step), {
    retries: Math.max(0, policy.attempts - 1),
    minTimeout: policy.firstDelayMs,
    factor: 2,
    maxRetryTime: policy.maxTotalMs,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0) onRetry?.(error, attemptNumber);
    },
  });
}

/**
 * Puts back what `step` changed and checks that it holds. Idempotent and safe for a step that was
 * only 'pending' (may or may not have happened): it looks at the server first and only changes what
 * differs from what was saved. Throws when the server could not be put back.
 */
export async function undoStep(host: WindowsHost, step: LockoutStep): Promise<UndoOutcome> {
  switch (step.kind) {
    case 'safetyNet': {
      // Last to be undone (first taken). When `recover` runs from this very task, removing it is still fine.
      if (!(await host.getScheduledTask(step.taskPath, step.taskName)))
        return { detail: [`safety-net task ${step.taskName} is not registered`], warnings: [] };
      await host.unregisterScheduledTask(step.taskPath, step.taskName);
      return { detail: [`safety-net task ${step.taskPath}${step.taskName} removed`], warnings: [] };
    }
    case 'renameExecutable': {
      const locked = await host.pathExists(step.lockedPath);
      const original = await host.pathExists(step.path);
      if (original && !locked) return { detail: [`${step.path} is in place`], warnings: [] };
      if (original && locked) {
        throw new Error(
          `both ${step.path} and ${step.lockedPath} exist (was AVImark updated during the backup?); decide which to keep`,
        );
      }
      if (!locked) throw new Error(`neither ${step.path} nor ${step.lockedPath} exists`);
      await host.renameFile(step.lockedPath, step.path);
      if (!(await host.pathExists(step.path)) || (await host.pathExists(step.lockedPath))) {
        throw new Error(`${step.path} is not back after renaming it`);
      }
      return { detail: [`renamed ${step.lockedPath} back to ${step.path}`], warnings: [] };
    }
    case 'lockShareSddl':
      return restoreShare(host, step.share, step.original, 'sddl');
    case 'removeShare':
      return restoreShare(host, step.share, step.original, 'remove');
    case 'stopService': {
      const now = await host.getService(step.service);
      if (!now) throw new Error(`service ${step.service} no longer exists`);
      const detail: string[] = [];
      if (now.startType !== step.originalStartType) {
        await host.setServiceStartType(step.service, step.originalStartType);
        detail.push(`start type ${step.originalStartType}`);
      }
      if (wasRunning(step.originalStatus) && now.status !== 'Running') {
        await host.startService(step.service, step.timeoutSeconds);
        detail.push('started');
      }
      const after = await host.getService(step.service);
      if (!after) throw new Error(`service ${step.service} vanished while restoring it`);
      if (after.startType !== step.originalStartType) {
        throw new Error(
          `service ${step.service} start type is ${after.startType}, should be ${step.originalStartType}`,
        );
      }
      if (wasRunning(step.originalStatus) && after.status !== 'Running') {
        throw new Error(`service ${step.service} is ${after.status}, should be Running`);
      }
      return {
        detail: [
          `service ${step.service}: ${detail.length > 0 ? detail.join(', ') : 'already as before'} (${after.startType}, ${after.status})`,
        ],
        warnings: [],
      };
    }
    case 'closeOpenFiles':
    case 'closeProcesses':
    case 'forceStopProcesses':
      return { detail: [], warnings: [] };
  }
}

async function restoreShare(
  host: WindowsHost,
  name: string,
  original: ShareDefinition,
  method: 'sddl' | 'remove',
): Promise<UndoOutcome> {
  const warnings: string[] = [];
  const detail: string[] = [];
  const now = await host.getShare(name);
  if (!now) {
    await host.createShare(original);
    detail.push(`share ${name} re-created at ${original.path}`);
    if (method === 'sddl') {
      warnings.push(
        `share ${name} had vanished during the lockout; it was re-created from the definition saved before the lockout`,
      );
    }
  } else if (now.securityDescriptor !== original.securityDescriptor) {
    await host.setShareSecurityDescriptor(name, original.securityDescriptor);
    detail.push(`share ${name}: ACL restored`);
  } else {
    detail.push(`share ${name}: ACL already as before`);
  }
  const after = await host.getShare(name);
  if (!after) throw new Error(`share ${name} does not exist after restoring it`);
  if (after.securityDescriptor !== original.securityDescriptor) {
    throw new Error(`share ${name} has ACL ${after.securityDescriptor}, should be ${original.securityDescriptor}`);
  }
  if (after.path.toLowerCase() !== original.path.toLowerCase()) {
    warnings.push(`share ${name} now points to ${after.path}; before the lockout it pointed to ${original.path}`);
  }
  return { detail, warnings };
}
