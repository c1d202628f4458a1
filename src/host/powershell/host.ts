import * as z from '../../validation';
import eventLogScript from '../../../ps/host/EventLog.ps1';
import filesScript from '../../../ps/host/Files.ps1';
import lockersScript from '../../../ps/host/Lockers.ps1';
import hostScript from '../../../ps/host/Host.ps1';
import messagesScript from '../../../ps/host/Messages.ps1';
import processesScript from '../../../ps/host/Processes.ps1';
import tasksScript from '../../../ps/host/ScheduledTasks.ps1';
import servicesScript from '../../../ps/host/Services.ps1';
import shadowsScript from '../../../ps/host/Shadows.ps1';
import sharesScript from '../../../ps/host/Shares.ps1';
import { interpretMsgResult, msgUnavailable } from '../msg-result';
import {
  HostError,
  type AclCapture,
  type AclEntry,
  type AclReadBack,
  type EventEntry,
  type FileLocker,
  type HostInfo,
  type ListedShadowCopy,
  type MessageResult,
  type ProcessInfo,
  type ScheduledTaskDefinition,
  type ScheduledTaskInfo,
  type ServiceInfo,
  type ServiceStartType,
  type ShadowCopyInfo,
  type ShareDefinition,
  type SmbOpenFileInfo,
  type SmbSessionInfo,
  type WindowsHost,
} from '../types';
import { PowerShellSession, type SessionEvent } from './session';

export interface PowerShellHostOptions {
  /** config powershell.executable: 'powershell' (5.1), 'pwsh' (7) or a full path. */
  executable: string;
  /** config powershell.callTimeoutSeconds. */
  callTimeoutSeconds: number;
  /** Environment of the PowerShell process; default this process's (the simulator is selected purely by environment). */
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: SessionEvent) => void;
}

const serviceStatus = z.enum([
  'Stopped',
  'StartPending',
  'StopPending',
  'Running',
  'ContinuePending',
  'PausePending',
  'Paused',
]);
const startType = z.enum(['Boot', 'System', 'Automatic', 'AutomaticDelayedStart', 'Manual', 'Disabled']);

const shareSchema = z.object({
  name: z.string(),
  scopeName: z.string(),
  path: z.string(),
  description: z.string(),
  concurrentUserLimit: z.number(),
  cachingMode: z.string(),
  folderEnumerationMode: z.string(),
  encryptData: z.boolean(),
  continuouslyAvailable: z.boolean(),
  caTimeout: z.number(),
  temporary: z.boolean(),
  special: z.boolean(),
  securityDescriptor: z.string(),
});
const sessionSchema = z.object({
  sessionId: z.string(),
  clientComputerName: z.string(),
  clientUserName: z.string(),
  numOpens: z.number(),
});
const openFileSchema = z.object({
  fileId: z.string(),
  sessionId: z.string(),
  path: z.string(),
  shareRelativePath: z.string(),
  clientComputerName: z.string(),
  clientUserName: z.string(),
});
const serviceSchema = z.object({ name: z.string(), displayName: z.string(), status: serviceStatus, startType });
const processSchema = z.object({
  id: z.number(),
  name: z.string(),
  sessionId: z.number(),
  userName: z.nullable(z.string()),
  path: z.nullable(z.string()),
});
const shadowSchema = z.object({ id: z.string(), volume: z.string(), deviceObject: z.string() });
const infoSchema = z.object({
  psVersion: z.string(),
  psEdition: z.string(),
  computerName: z.string(),
  simulated: z.boolean(),
});
const taskInfoSchema = z.object({
  taskPath: z.string(),
  taskName: z.string(),
  state: z.string(),
  execute: z.string(),
  argument: z.string(),
  userId: z.string(),
  runLevel: z.string(),
});
const msgSchema = z.object({
  found: z.boolean(),
  exitCode: z.nullable(z.number()),
  output: z.nullable(z.array(z.string())),
});

const aclEntrySchema = z.object({ path: z.string(), sddl: z.string() });
const unreadableSchema = z.object({ path: z.string(), message: z.string() });
const aclCaptureSchema = z.object({ root: z.string(), items: z.unknown(), unreadable: z.unknown() });
const aclReadBackSchema = z.object({ path: z.string(), sddl: z.nullable(z.string()), error: z.nullable(z.string()) });
const aclSetSchema = z.object({ items: z.unknown() });

const fileLockerSchema = z.object({ pid: z.int(), name: z.string(), service: z.string() });

/** ConvertTo-Json writes a one-element array as the element and an empty one as null in some paths: normalise. */
function list(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The files of ps/host, by name: Host.ps1 (the protocol, the helpers the areas share and the one allow-list of
 * operations, $script:AvbOperations), then one file per area defining its operations' functions.
 */
export const HOST_SCRIPTS: Readonly<Record<string, string>> = {
  'Host.ps1': hostScript,
  'Shares.ps1': sharesScript,
  'Services.ps1': servicesScript,
  'Processes.ps1': processesScript,
  'Messages.ps1': messagesScript,
  'Files.ps1': filesScript,
  'Lockers.ps1': lockersScript,
  'Shadows.ps1': shadowsScript,
  'EventLog.ps1': eventLogScript,
  'ScheduledTasks.ps1': tasksScript,
};

/** What the PowerShell process loads once: all of ps/host, Host.ps1 first. */
export const HOST_SCRIPT = Object.values(HOST_SCRIPTS).join('\n');

/**
 * The real Windows host: every method is one request to ps/host (dispatched by Host.ps1's allow-list) in ONE
 * long-lived PowerShell process (see session.ts and protocol.ts). Values cross only as base64 JSON data.
 */
export class PowerShellHost implements WindowsHost {
  private readonly session: PowerShellSession;
  private readonly callTimeoutMs: number;

  constructor(options: PowerShellHostOptions) {
    this.callTimeoutMs = options.callTimeoutSeconds * 1000;
    this.session = new PowerShellSession({
      executable: options.executable,
      callTimeoutMs: this.callTimeoutMs,
      script: HOST_SCRIPT,
      env: options.env,
      onEvent: options.onEvent,
    });
  }

  /** Pid of the PowerShell process currently running, if any (diagnostics, crash tests). */
  get powerShellPid(): number | undefined {
    return this.session.pid;
  }

  private async call<T>(
    op: keyof WindowsHost,
    args: Record<string, unknown>,
    schema: z.ZodMiniType<T>,
    timeoutMs?: number,
  ): Promise<T> {
    const raw = await this.session.call(op, args, timeoutMs);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new HostError(
        op,
        `Unexpected answer from PowerShell for ${op}: ${JSON.stringify(raw)?.slice(0, 300)} (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      );
    }
    return parsed.data;
  }

  /** Calls with their own timeout get it plus a margin, never less than the configured call timeout. */
  private withOwnTimeout(seconds: number): number {
    return Math.max(this.callTimeoutMs, (seconds + 30) * 1000);
  }

  /** Calls over many items (open files, sessions): the call timeout plus a second per item. */
  private growingWith(count: number): number {
    return this.callTimeoutMs + count * 1000;
  }

  info(): Promise<HostInfo> {
    return this.call('info', {}, infoSchema);
  }

  getShare(name: string): Promise<ShareDefinition | null> {
    return this.call('getShare', { name }, z.nullable(shareSchema));
  }

  async setShareSecurityDescriptor(name: string, sddl: string): Promise<void> {
    if (sddl.trim() === '')
      throw new HostError(
        'setShareSecurityDescriptor',
        `Refusing to set an empty security descriptor on share "${name}".`,
      );
    await this.call('setShareSecurityDescriptor', { name, sddl }, z.null());
  }

  async removeShare(name: string): Promise<void> {
    await this.call('removeShare', { name }, z.null());
  }

  async createShare(definition: ShareDefinition): Promise<void> {
    await this.call('createShare', { definition }, z.null());
  }

  async listSessions(): Promise<SmbSessionInfo[]> {
    return z.array(sessionSchema).parse(list(await this.call('listSessions', {}, z.unknown())));
  }

  async listOpenFiles(pathPrefix: string): Promise<SmbOpenFileInfo[]> {
    return z.array(openFileSchema).parse(list(await this.call('listOpenFiles', { pathPrefix }, z.unknown())));
  }

  async closeOpenFiles(fileIds: string[]): Promise<void> {
    if (fileIds.length === 0) return;
    await this.call('closeOpenFiles', { fileIds }, z.null(), this.growingWith(fileIds.length));
  }

  async closeSessions(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.call('closeSessions', { sessionIds }, z.null(), this.growingWith(sessionIds.length));
  }

  getService(name: string): Promise<ServiceInfo | null> {
    return this.call('getService', { name }, z.nullable(serviceSchema));
  }

  async stopService(name: string, timeoutSeconds: number): Promise<void> {
    await this.call('stopService', { name, timeoutSeconds }, z.null(), this.withOwnTimeout(timeoutSeconds));
  }

  async startService(name: string, timeoutSeconds: number): Promise<void> {
    // Two waits of up to timeoutSeconds each: for a pending stop to end, then for Running.
    await this.call('startService', { name, timeoutSeconds }, z.null(), this.withOwnTimeout(2 * timeoutSeconds));
  }

  async setServiceStartType(name: string, type: ServiceStartType): Promise<void> {
    await this.call('setServiceStartType', { name, startType: type }, z.null());
  }

  async listProcesses(names: string[]): Promise<ProcessInfo[]> {
    if (names.length === 0) return [];
    return z.array(processSchema).parse(list(await this.call('listProcesses', { names }, z.unknown())));
  }

  async requestProcessClose(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.call('requestProcessClose', { ids }, z.unknown());
  }

  async forceStopProcesses(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.call('forceStopProcesses', { ids }, z.null());
  }

  async waitForProcessExit(ids: number[], timeoutSeconds: number): Promise<number[]> {
    if (ids.length === 0) return [];
    const alive = await this.call(
      'waitForProcessExit',
      { ids, timeoutSeconds },
      z.unknown(),
      this.withOwnTimeout(timeoutSeconds),
    );
    return z.array(z.number()).parse(list(alive));
  }

  async sendMessage(text: string, displaySeconds: number): Promise<MessageResult> {
    const r = await this.call('sendMessage', { text, displaySeconds }, msgSchema);
    if (!r.found) return msgUnavailable('msg.exe was not found on this server');
    return interpretMsgResult(r.exitCode ?? -1, r.output ?? []);
  }

  async sendMessageToOwnSession(text: string, displaySeconds: number): Promise<MessageResult> {
    const r = await this.call('sendMessageToOwnSession', { text, displaySeconds }, msgSchema);
    if (!r.found) return msgUnavailable('msg.exe was not found on this server');
    return interpretMsgResult(r.exitCode ?? -1, r.output ?? []);
  }

  pathExists(path: string): Promise<boolean> {
    return this.call('pathExists', { path }, z.boolean());
  }

  nameOnDisk(path: string): Promise<string | null> {
    return this.call('nameOnDisk', { path }, z.nullable(z.string()));
  }

  async listFileLockers(folder: string): Promise<FileLocker[]> {
    return z.array(fileLockerSchema).parse(list(await this.call('listFileLockers', { folder }, z.unknown())));
  }

  async renameFile(from: string, to: string): Promise<void> {
    await this.call('renameFile', { from, to }, z.null());
  }

  async getAcls(root: string): Promise<AclCapture> {
    const r = await this.call('getAcls', { root }, aclCaptureSchema);
    return {
      root: r.root,
      items: list(r.items).map((i) => aclEntrySchema.parse(i)),
      unreadable: list(r.unreadable).map((u) => unreadableSchema.parse(u)),
    };
  }

  async setAcls(root: string, entries: AclEntry[]): Promise<AclReadBack[]> {
    const r = await this.call('setAcls', { root, entries: entries.map((e) => ({ ...e })) }, aclSetSchema);
    return list(r.items).map((i) => aclReadBackSchema.parse(i));
  }

  getVolumeRoot(path: string): Promise<string> {
    return this.call('getVolumeRoot', { path }, z.string());
  }

  shadowCopySupported(volume: string): Promise<boolean> {
    return this.call('shadowCopySupported', { volume }, z.boolean());
  }

  createShadowCopy(volume: string): Promise<ShadowCopyInfo> {
    return this.call('createShadowCopy', { volume }, shadowSchema);
  }

  getShadowCopy(id: string): Promise<ShadowCopyInfo | null> {
    return this.call('getShadowCopy', { id }, z.nullable(shadowSchema));
  }

  async listShadowCopies(volume: string): Promise<ListedShadowCopy[]> {
    const raw = list(await this.call('listShadowCopies', { volume }, z.unknown()));
    return z.array(z.extend(shadowSchema, { createdAt: z.string() })).parse(raw);
  }

  async deleteShadowCopy(id: string): Promise<void> {
    await this.call('deleteShadowCopy', { id }, z.null());
  }

  async writeEvent(entry: EventEntry): Promise<void> {
    await this.call('writeEvent', { ...entry }, z.null());
  }

  async registerScheduledTask(task: ScheduledTaskDefinition): Promise<void> {
    await this.call('registerScheduledTask', { task: { ...task } }, z.null());
  }

  getScheduledTask(taskPath: string, taskName: string): Promise<ScheduledTaskInfo | null> {
    return this.call('getScheduledTask', { taskPath, taskName }, z.nullable(taskInfoSchema));
  }

  async unregisterScheduledTask(taskPath: string, taskName: string): Promise<void> {
    await this.call('unregisterScheduledTask', { taskPath, taskName }, z.null());
  }

  async interrupt(why: string): Promise<void> {
    this.session.interrupt(why);
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}

export function createPowerShellHost(options: PowerShellHostOptions): PowerShellHost {
  return new PowerShellHost(options);
}
