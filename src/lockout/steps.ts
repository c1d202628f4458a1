import type {
  ProcessInfo,
  ServiceStartType,
  ServiceStatus,
  ShareDefinition,
  SmbOpenFileInfo,
  SmbSessionInfo,
} from '../host/types';

/**
 * One lockout step as plain data: what it does, what it saw before, and (implicitly, by kind)
 * how to undo it. Undo needs nothing but this record, so `recover` can work from the journal alone.
 */
export type LockoutStep =
  | SafetyNetStep
  | RenameExecutableStep
  | LockShareSddlStep
  | RemoveShareStep
  | CloseOpenFilesStep
  | StopServiceStep
  | CloseProcessesStep
  | ForceStopProcessesStep;

/**
 * The safety net (issue 13 §2), always the first step: a one-shot SYSTEM scheduled task running
 * `execute argument` (our own `recover --config <path>`) at `runAt`, lockout start + maxLockoutMinutes
 * + a margin, so that a kill Node never sees (TerminateProcess) still gives AVImark back. Undo removes the task.
 */
export interface SafetyNetStep {
  kind: 'safetyNet';
  taskPath: string;
  taskName: string;
  execute: string;
  argument: string;
  /** ISO time, UTC. */
  runAt: string;
}

/** Blocks relaunch: `path` → `lockedPath`. Undo renames it back. */
export interface RenameExecutableStep {
  kind: 'renameExecutable';
  path: string;
  lockedPath: string;
}

/** Swaps the share ACL for a deny-all one. Undo restores `original.securityDescriptor` byte-identical. */
export interface LockShareSddlStep {
  kind: 'lockShareSddl';
  share: string;
  /** The full definition, so a share that vanished during the window can be re-created exactly. */
  original: ShareDefinition;
  lockedSddl: string;
}

/** Removes the share (disconnects everyone). Undo re-creates it from `original`. */
export interface RemoveShareStep {
  kind: 'removeShare';
  share: string;
  original: ShareDefinition;
}

/** Closes SMB open files under the folder and the sessions holding them. Nothing to undo: clients reconnect. */
export interface CloseOpenFilesStep {
  kind: 'closeOpenFiles';
  pathPrefix: string;
  /** What the plan saw (for the dry run); the step lists again when it runs. */
  observedFiles: SmbOpenFileInfo[];
  observedSessions: SmbSessionInfo[];
}

/** Sets the service to Disabled (so watchdogs cannot restart it), then stops it. Undo restores both exactly. */
export interface StopServiceStep {
  kind: 'stopService';
  service: string;
  originalStartType: ServiceStartType;
  originalStatus: ServiceStatus;
  timeoutSeconds: number;
}

/** Asks processes to close, then waits up to the grace period. Nothing to undo. */
export interface CloseProcessesStep {
  kind: 'closeProcesses';
  names: string[];
  observed: ProcessInfo[];
  graceSeconds: number;
}

/** Force-stops whatever is still running. Nothing to undo. */
export interface ForceStopProcessesStep {
  kind: 'forceStopProcesses';
  names: string[];
  waitSeconds: number;
}

/** The share ACL while locked: deny Everyone full access, nothing allowed (SID aliases, so not localised). */
export const DENY_ALL_SHARE_SDDL = 'O:BAG:BAD:(D;;FA;;;WD)';

export const LOCKED_EXECUTABLE_SUFFIX = '.avimark-backup-locked';

/** Whether undoing the step changes anything on the server. */
export function isReversible(step: LockoutStep): boolean {
  return (
    step.kind === 'safetyNet' ||
    step.kind === 'renameExecutable' ||
    step.kind === 'lockShareSddl' ||
    step.kind === 'removeShare' ||
    step.kind === 'stopService'
  );
}

/**
 * Whether the step makes AVImark unavailable (every step but the safety-net task, which only arranges for
 * `recover` to run): the offline window runs from the first such step to the last of them given back.
 */
export function touchesAvimark(step: LockoutStep): boolean {
  return step.kind !== 'safetyNet';
}

/** Short label used in timings, logs and the summary, e.g. "stop service AVImarkServer". */
export function stepLabel(step: LockoutStep): string {
  switch (step.kind) {
    case 'safetyNet':
      return `safety net: scheduled task ${step.taskPath}${step.taskName} runs recover at ${step.runAt}`;
    case 'renameExecutable':
      return `rename executable ${step.path}`;
    case 'lockShareSddl':
      return `lock share ${step.share} (deny-all ACL)`;
    case 'removeShare':
      return `remove share ${step.share}`;
    case 'closeOpenFiles':
      return `close open files under ${step.pathPrefix}`;
    case 'stopService':
      return `stop and disable service ${step.service}`;
    case 'closeProcesses':
      return `ask ${step.names.join(', ')} to close (grace ${step.graceSeconds}s)`;
    case 'forceStopProcesses':
      return `force-stop ${step.names.join(', ')}`;
  }
}
