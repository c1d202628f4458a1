import type {
  EventEntry,
  HostInfo,
  ProcessInfo,
  ScheduledTaskInfo,
  ServiceInfo,
  ShadowCopyInfo,
  ShareDefinition,
  SmbOpenFileInfo,
  SmbSessionInfo,
  WindowsHost,
} from '../types';

/**
 * The whole state of an in-memory Windows server: a plain object that tests build, mutate between
 * calls (a share that vanishes, a session that appears) and inspect afterwards.
 */

export interface MemoryService extends ServiceInfo {
  /** Stop-Service never gets it to Stopped: stopService fails after its timeout. */
  refusesStop?: boolean;
  /** A watchdog restarts it at the next host call after it stops, unless its start type is Disabled. */
  watchdog?: boolean;
  /** Start-Service fails (e.g. a broken install). */
  refusesStart?: boolean;
}

export interface MemoryProcess extends ProcessInfo {
  alive: boolean;
  /** Exits when asked politely (requestProcessClose). */
  exitsOnClose?: boolean;
  /** Exits when users are messaged (its user saves and quits). */
  exitsOnMessage?: boolean;
  /** Stop-Process -Force fails with "Access is denied" (another user's process without elevation). */
  accessDenied?: boolean;
}

/**
 * How msg.exe behaves:
 * - ok: exit 0, delivered to every session;
 * - noConsoleSession: a headless terminal server: exit 1 with only the harmless "session Console/1" error;
 * - fail: exit 1, "Error 5 getting session names" (real failure, nothing delivered);
 * - missing: msg.exe is not on this system.
 */
export type MessageBehaviour = 'ok' | 'noConsoleSession' | 'fail' | 'missing';

export interface SentMessage {
  text: string;
  displaySeconds: number;
}

/** A message msg.exe sent to our own session only (sendMessageToOwnSession), never seen by other users. */
export interface OwnSessionMessage extends SentMessage {
  sessionId: number;
}

export interface MemoryScheduledTask extends ScheduledTaskInfo {
  description: string;
  /** The one-shot trigger's time (ISO, UTC), when it has one (the lockout's safety net). */
  runAt?: string;
}

export interface MemoryVolume {
  /** Volume root as getVolumeRoot returns it: 'C:\\' style or a POSIX folder ending in '/'. */
  root: string;
  fileSystem: string;
  /**
   * Where shadow copies of this volume are materialised (a real folder outside `root`): each shadow
   * is a point-in-time copy of `root` in `<shadowDir>/HarddiskVolumeShadowCopyN`. Without it,
   * shadow copies of this volume are not supported.
   */
  shadowDir?: string;
}

export interface MemoryShadowCopy extends ShadowCopyInfo {
  /** Real folder holding the copy (equals deviceObject for POSIX volumes). */
  dir: string;
  /** When it was made (ISO 8601); absent in seeded state = made before the test started. */
  createdAt?: string;
}

/** Make the next `times` (default 1) calls of `operation` throw HostError(message). */
export interface MemoryFault {
  operation: keyof WindowsHost;
  message: string;
  times?: number;
}

export interface MemoryCall {
  operation: keyof WindowsHost;
  args: unknown[];
}

export interface MemoryHostState {
  info: HostInfo;
  /** Keyed by name as created; looked up case-insensitively like Windows. */
  shares: ShareDefinition[];
  sessions: SmbSessionInfo[];
  openFiles: SmbOpenFileInfo[];
  services: MemoryService[];
  processes: MemoryProcess[];
  messageBehaviour: MessageBehaviour;
  messages: SentMessage[];
  /** Terminal Services session of the process that runs avimark-backup (where own-session messages go). */
  ownSessionId: number;
  ownSessionMessages: OwnSessionMessage[];
  /** Registered tasks; path and name compare case-insensitively like Task Scheduler. */
  scheduledTasks: MemoryScheduledTask[];
  volumes: MemoryVolume[];
  shadowCopies: MemoryShadowCopy[];
  /** Sources registered with the Event Log; writing under another source registers it first (as New-EventLog). */
  eventSources: string[];
  events: EventEntry[];
  faults: MemoryFault[];
  /** Every call, in order, with its arguments (for asserting the order of lockout steps). */
  calls: MemoryCall[];
  /**
   * Windows (issue 13 §10): file names match without regard to case and keep the spelling they were
   * given, so `avimark.exe` finds `AVImark.exe` and renaming back to `avimark.exe` changes its spelling.
   * Off: the real (POSIX) file system's exact matching.
   */
  caseInsensitiveNames?: boolean;
  /** Local programs holding files open (what the Restart Manager would name); null: it cannot tell (throws). */
  fileLockers?: Array<{ path: string; pid: number; name: string; service?: string }> | null;
  /** Every file rename done through the host, in order. */
  renames: Array<{ from: string; to: string }>;
  /**
   * NTFS access lists set on items, full path → DACL as SDDL; an item not listed has an inherited list
   * (MEMORY_INHERITED_DACL) and is not reported by getAcls below its root.
   */
  acls?: Record<string, string>;
  nextShadowNumber: number;
}

/** The access list of an item nobody set one on (inherited only). */
export const MEMORY_INHERITED_DACL = 'D:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)';

export function createMemoryHostState(init: Partial<MemoryHostState> = {}): MemoryHostState {
  return {
    info: { psVersion: 'memory', psEdition: 'Memory', computerName: 'MEMORY-HOST', simulated: true },
    shares: [],
    sessions: [],
    openFiles: [],
    services: [],
    processes: [],
    messageBehaviour: 'ok',
    messages: [],
    ownSessionId: 1,
    ownSessionMessages: [],
    scheduledTasks: [],
    volumes: [],
    shadowCopies: [],
    eventSources: [],
    events: [],
    faults: [],
    calls: [],
    renames: [],
    nextShadowNumber: 1,
    ...init,
  };
}
