import type { ShareDefinition } from '../host/types';
import type { LockoutStep } from './steps';

/**
 * What an administrator pastes into an elevated PowerShell to undo a step by hand, when we could not.
 * This is text for a human (never executed by us), with values in single quotes ('' escapes ').
 */
export function manualUndo(step: LockoutStep): string[] {
  switch (step.kind) {
    case 'safetyNet':
      return [`Unregister-ScheduledTask -TaskPath ${q(step.taskPath)} -TaskName ${q(step.taskName)} -Confirm:$false`];
    case 'renameExecutable':
      return [`Rename-Item -LiteralPath ${q(step.lockedPath)} -NewName ${q(baseName(step.path))}`];
    case 'lockShareSddl':
      return [
        `Set-SmbShare -Name ${q(step.share)} -SecurityDescriptor ${q(step.original.securityDescriptor)} -Force`,
        `# if the share no longer exists:`,
        newShareCommand(step.original),
      ];
    case 'removeShare':
      return [newShareCommand(step.original)];
    case 'stopService': {
      const lines = [setStartTypeCommand(step.service, step.originalStartType)];
      if (wasRunning(step.originalStatus)) lines.push(`Start-Service -Name ${q(step.service)}`);
      return lines;
    }
    case 'closeOpenFiles':
    case 'closeProcesses':
    case 'forceStopProcesses':
      return [];
  }
}

/** What is still locked, in words, for LockoutNotUndoneError.stillLocked. */
export function stillLockedSentence(step: LockoutStep): string {
  switch (step.kind) {
    case 'renameExecutable':
      return `${step.path} is still renamed to ${step.lockedPath}`;
    case 'lockShareSddl':
      return `share ${step.share} still denies access (its ACL should be ${step.original.securityDescriptor})`;
    case 'removeShare':
      return `share ${step.share} (${step.original.path}) is still removed`;
    case 'safetyNet':
      return `the safety-net task ${step.taskPath}${step.taskName} is still registered (harmless: it runs recover once)`;
    case 'stopService':
      return `service ${step.service} should be ${step.originalStartType}${wasRunning(step.originalStatus) ? ' and Running' : ''}`;
    default:
      return `${step.kind} (nothing to undo)`;
  }
}

export function wasRunning(status: string): boolean {
  return status !== 'Stopped' && status !== 'StopPending';
}

function setStartTypeCommand(service: string, startType: string): string {
  // Windows PowerShell 5.1's Set-Service has no AutomaticDelayedStart; sc.exe works everywhere.
  if (startType === 'AutomaticDelayedStart') return `sc.exe config ${q(service)} start= delayed-auto`;
  return `Set-Service -Name ${q(service)} -StartupType ${startType}`;
}

function newShareCommand(d: ShareDefinition): string {
  const parts = [
    `New-SmbShare -Name ${q(d.name)} -Path ${q(d.path)}`,
    d.scopeName && d.scopeName !== '*' ? `-ScopeName ${q(d.scopeName)}` : '',
    `-Description ${q(d.description)}`,
    d.concurrentUserLimit > 0 ? `-ConcurrentUserLimit ${d.concurrentUserLimit}` : '',
    `-CachingMode ${d.cachingMode}`,
    `-FolderEnumerationMode ${d.folderEnumerationMode}`,
    `-EncryptData $${String(d.encryptData)}`,
    `-ContinuouslyAvailable $${String(d.continuouslyAvailable)}`,
    d.temporary ? '-Temporary' : '',
    `-SecurityDescriptor ${q(d.securityDescriptor)}`,
  ];
  return parts.filter((p) => p !== '').join(' ');
}

function q(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (c) => c + c)}'`;
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1];
}
