/**
 * Everything avimark-backup does to Windows goes through this interface. Implementations:
 * `powershell/` (the real thing, one long-lived PowerShell process, values as base64 JSON data)
 * and `memory/` (unit tests and the demo). One contract suite runs against both.
 *
 * Methods throw `HostError` (see below) with a sentence an administrator can act on.
 * "Not found" is never silent: getters return null, mutators throw.
 */

/** Full definition of an SMB share: enough to re-create it exactly with New-SmbShare + Set-SmbShare. */
export interface ShareDefinition {
  name: string;
  scopeName: string;
  path: string;
  description: string;
  concurrentUserLimit: number;
  /** Enum names as strings, e.g. "Manual", "Documents", "None", "Programs", "BranchCache". */
  cachingMode: string;
  /** "Unrestricted" | "AccessBased". */
  folderEnumerationMode: string;
  encryptData: boolean;
  continuouslyAvailable: boolean;
  caTimeout: number;
  temporary: boolean;
  special: boolean;
  /** The complete share ACL as SDDL, including deny ACEs and custom rights. Restored byte-identical. */
  securityDescriptor: string;
}

export interface SmbSessionInfo {
  sessionId: string;
  clientComputerName: string;
  clientUserName: string;
  numOpens: number;
}

export interface SmbOpenFileInfo {
  fileId: string;
  sessionId: string;
  path: string;
  shareRelativePath: string;
  clientComputerName: string;
  clientUserName: string;
}

/** A local program holding a file open: its PID, its application name, and its service's short name ('' if none). */
export interface FileLocker {
  pid: number;
  name: string;
  service: string;
}

export type ServiceStartType = 'Boot' | 'System' | 'Automatic' | 'AutomaticDelayedStart' | 'Manual' | 'Disabled';
export type ServiceStatus =
  | 'Stopped'
  | 'StartPending'
  | 'StopPending'
  | 'Running'
  | 'ContinuePending'
  | 'PausePending'
  | 'Paused';

export interface ServiceInfo {
  name: string;
  displayName: string;
  status: ServiceStatus;
  startType: ServiceStartType;
}

export interface ProcessInfo {
  id: number;
  name: string;
  /** Terminal Services session id; 0 for services. */
  sessionId: number;
  userName: string | null;
  path: string | null;
}

export interface MessageResult {
  /** True when msg.exe reported success for every session, or the only failures were the documented harmless ones. */
  delivered: boolean;
  exitCode: number;
  warnings: string[];
}

export interface ShadowCopyInfo {
  /** '{GUID}' as returned by Win32_ShadowCopy.Create. */
  id: string;
  /** Volume the shadow was taken of, e.g. 'C:\\'. */
  volume: string;
  /** '\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopyN' — no trailing backslash. */
  deviceObject: string;
}

/** A shadow copy as listed: with its creation time (Win32_ShadowCopy.InstallDate), ISO 8601 UTC. */
export interface ListedShadowCopy extends ShadowCopyInfo {
  createdAt: string;
}

export type EventLevel = 'Information' | 'Warning' | 'Error';

export interface EventEntry {
  source: string;
  eventId: number;
  level: EventLevel;
  message: string;
}

/** A throwaway scheduled task (`selftest`): runs `execute argument` as SYSTEM with RunLevel Highest, no trigger. */
export interface ScheduledTaskDefinition {
  /** Task folder with leading and trailing backslash, e.g. '\\avimark-backup-selftest\\'. */
  taskPath: string;
  taskName: string;
  execute: string;
  /** One string, as Task Scheduler stores it. */
  argument: string;
  description: string;
  /** One-shot time trigger (the lockout's safety net, issue 13 §2): ISO time, UTC. None: no trigger (selftest). */
  runAt?: string;
  /** ExecutionTimeLimit in minutes (default 5). */
  timeLimitMinutes?: number;
}

export interface ScheduledTaskInfo {
  taskPath: string;
  taskName: string;
  /** 'Ready', 'Disabled', 'Running', … */
  state: string;
  execute: string;
  argument: string;
  userId: string;
  runLevel: string;
}

/** One item's NTFS access list (the DACL as SDDL, "D:..."), at a path relative to the captured folder ('' = itself, '/'-separated). */
export interface AclEntry {
  path: string;
  sddl: string;
}

/** A folder tree's access lists as getAcls reads them. */
export interface AclCapture {
  /** The folder's own access list. */
  root: string;
  /** The items below it whose list is not simply inherited (protected from inheritance, or with an explicit entry). */
  items: AclEntry[];
  /** Items whose list could not be read, with why. */
  unreadable: Array<{ path: string; message: string }>;
}

/** What one item's access list reads back as after setAcls set it (null, with `error`, when it could not be set). */
export interface AclReadBack {
  path: string;
  sddl: string | null;
  error: string | null;
}

export interface HostInfo {
  /** e.g. '7.6.9' or '5.1.20348.2400'. */
  psVersion: string;
  /** 'Core' | 'Desktop'. */
  psEdition: string;
  computerName: string;
  /** True when running against the simulated Windows server (tests, demo). */
  simulated: boolean;
}

export interface WindowsHost {
  info(): Promise<HostInfo>;

  // Shares
  getShare(name: string): Promise<ShareDefinition | null>;
  /** Set-SmbShare -SecurityDescriptor … -Force: replaces only the ACL. */
  setShareSecurityDescriptor(name: string, sddl: string): Promise<void>;
  /** Remove-SmbShare -Force. Caller must have persisted the full definition first. */
  removeShare(name: string): Promise<void>;
  /** New-SmbShare with every settable field, including -SecurityDescriptor. */
  createShare(definition: ShareDefinition): Promise<void>;
  listSessions(): Promise<SmbSessionInfo[]>;
  /** Open files whose Path is under `pathPrefix` (case-insensitive, Windows semantics). */
  listOpenFiles(pathPrefix: string): Promise<SmbOpenFileInfo[]>;
  /** Close-SmbOpenFile -FileId <ids> -Force, all ids in one call; ids already gone are fine (the wanted end state). */
  closeOpenFiles(fileIds: string[]): Promise<void>;
  /** Closes exactly these sessions; never calls Close-SmbSession without a filter; ids already gone are fine. */
  closeSessions(sessionIds: string[]): Promise<void>;

  // Services
  getService(name: string): Promise<ServiceInfo | null>;
  stopService(name: string, timeoutSeconds: number): Promise<void>;
  startService(name: string, timeoutSeconds: number): Promise<void>;
  setServiceStartType(name: string, startType: ServiceStartType): Promise<void>;

  // Processes
  listProcesses(names: string[]): Promise<ProcessInfo[]>;
  /** Polite close (CloseMainWindow / taskkill without /F); returns without waiting. */
  requestProcessClose(ids: number[]): Promise<void>;
  /** Stop-Process -Force. Ids already gone are fine; anything else (access denied) throws after trying all. */
  forceStopProcesses(ids: number[]): Promise<void>;
  /** Waits until the given processes are gone; returns the ids still alive when the timeout ran out. */
  waitForProcessExit(ids: number[], timeoutSeconds: number): Promise<number[]>;

  // Users
  /**
   * msg.exe * /TIME:<seconds> — to every session. Never throws for msg.exe failures (including msg.exe
   * missing: exitCode -1): they come back as delivered=false with warnings.
   */
  sendMessage(text: string, displaySeconds: number): Promise<MessageResult>;

  // Files
  pathExists(path: string): Promise<boolean>;
  /**
   * `path` with its last part spelled as the file system stores it, or null when nothing is there. Windows
   * finds `avimark.exe` when the file is `AVImark.exe`; renaming it back must give it that spelling again.
   */
  nameOnDisk(path: string): Promise<string | null>;
  /**
   * The local programs holding files inside `folder` open (the Restart Manager, as Explorer's "in use"
   * dialog; the first 2,000 files are asked about). Throws when the server cannot tell.
   */
  listFileLockers(folder: string): Promise<FileLocker[]>;
  renameFile(from: string, to: string): Promise<void>;
  /** The access lists of the folder `root` and of every item below it whose list is not simply inherited. */
  getAcls(root: string): Promise<AclCapture>;
  /** Get-Acl, SetSecurityDescriptorSddlForm, Set-Acl for each entry (relative to `root`, in order), then reads it back. */
  setAcls(root: string, entries: AclEntry[]): Promise<AclReadBack[]>;

  // Shadow copies
  /**
   * The root of the volume that holds `path` (the longest mounted volume name that is a prefix of it,
   * case-insensitive on Windows), e.g. 'C:\\' or 'D:\\Mounts\\Data\\'; what createShadowCopy expects.
   * Throws HostError when no volume holds the path.
   */
  getVolumeRoot(path: string): Promise<string>;
  /** Whether Win32_ShadowCopy can be used for this volume (service present, NTFS/ReFS, elevated). */
  shadowCopySupported(volume: string): Promise<boolean>;
  createShadowCopy(volume: string): Promise<ShadowCopyInfo>;
  getShadowCopy(id: string): Promise<ShadowCopyInfo | null>;
  deleteShadowCopy(id: string): Promise<void>;

  // Event Log
  writeEvent(entry: EventEntry): Promise<void>;

  // Scheduled tasks and a message to our own session: used by `selftest` (ps/host/ScheduledTasks.ps1, Messages.ps1).
  /** Register-ScheduledTask -Force (no trigger, SYSTEM, Highest): an existing task of that path and name is replaced. */
  registerScheduledTask(task: ScheduledTaskDefinition): Promise<void>;
  /** Task path and name compare case-insensitively; null when there is no such task. */
  getScheduledTask(taskPath: string, taskName: string): Promise<ScheduledTaskInfo | null>;
  /** Unregister-ScheduledTask -Confirm:$false; also removes the folder when it is left empty. Throws when the task does not exist. */
  unregisterScheduledTask(taskPath: string, taskName: string): Promise<void>;
  /**
   * msg.exe to the calling process's own session only (never `*`): proves msg.exe works without disturbing users.
   * Never throws for msg.exe failures (as sendMessage).
   */
  sendMessageToOwnSession(text: string, displaySeconds: number): Promise<MessageResult>;

  /**
   * Cuts short the call in flight, if any (the lockout watchdog: a service stop being polled, the grace period):
   * it fails with a HostError naming `why`. Later calls work as usual. Never throws.
   */
  interrupt(why: string): Promise<void>;

  /** Every shadow copy of `volume` (ours and others'), with creation times. */
  listShadowCopies(volume: string): Promise<ListedShadowCopy[]>;

  /** Releases the PowerShell process (no-op for in-memory). Safe to call twice. */
  dispose(): Promise<void>;
}

/** A Windows operation failed. `operation` is the method name, `detail` the underlying message. */
export class HostError extends Error {
  constructor(
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HostError';
  }
}
