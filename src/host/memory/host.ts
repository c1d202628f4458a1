import { interpretMsgResult, msgUnavailable } from '../msg-result';
import {
  HostError,
  type AclCapture,
  type AclEntry,
  type AclReadBack,
  type EventEntry,
  type FileLocker,
  type HostInfo,
  type MessageResult,
  type ProcessInfo,
  type ScheduledTaskDefinition,
  type ScheduledTaskInfo,
  type ServiceInfo,
  type ServiceStartType,
  type ListedShadowCopy,
  type ShadowCopyInfo,
  type ShareDefinition,
  type SmbOpenFileInfo,
  type SmbSessionInfo,
  type WindowsHost,
} from '../types';
import { createMemoryHostState, type MemoryHostState, type MemoryScheduledTask, type MemoryService } from './state';
import * as disk from './disk';
import { isUnder, same } from './names';

const START_TYPES: readonly ServiceStartType[] = [
  'Boot',
  'System',
  'Automatic',
  'AutomaticDelayedStart',
  'Manual',
  'Disabled',
];

/**
 * A WindowsHost whose whole server is `state` (see state.ts): same error semantics as the PowerShell
 * bridge (getters return null, mutators throw HostError), file renames and shadow copies on the real
 * file system. Behaviours are deterministic: a watchdog restarts a stopped service at the next host
 * call; processes exit at once when asked and willing.
 */
export class MemoryHost implements WindowsHost {
  constructor(readonly state: MemoryHostState) {}

  /** Records the call, applies injected faults and lets watchdogs act. */
  private enter(operation: keyof WindowsHost, args: unknown[]): void {
    this.state.calls.push({ operation, args: structuredClone(args) });
    for (const service of this.state.services) {
      if (service.watchdog && service.status === 'Stopped' && service.startType !== 'Disabled')
        service.status = 'Running';
    }
    const fault = this.state.faults.find((f) => f.operation === operation);
    if (fault) {
      const left = (fault.times ?? 1) - 1;
      if (left <= 0) this.state.faults.splice(this.state.faults.indexOf(fault), 1);
      else fault.times = left;
      throw new HostError(operation, fault.message);
    }
  }

  private share(operation: keyof WindowsHost, name: string): ShareDefinition {
    const found = this.state.shares.find((s) => same(s.name, name));
    if (!found)
      throw new HostError(
        operation,
        `The SMB share "${name}" does not exist (No MSFT_SMBShare objects found with property 'Name' equal to '${name}').`,
      );
    return found;
  }

  private service(operation: keyof WindowsHost, name: string): MemoryService {
    const found = this.state.services.find((s) => same(s.name, name));
    if (!found)
      throw new HostError(
        operation,
        `The service "${name}" does not exist (Cannot find any service with service name '${name}').`,
      );
    return found;
  }

  async info(): Promise<HostInfo> {
    this.enter('info', []);
    return { ...this.state.info };
  }

  async getShare(name: string): Promise<ShareDefinition | null> {
    this.enter('getShare', [name]);
    const found = this.state.shares.find((s) => same(s.name, name));
    return found ? { ...found } : null;
  }

  async setShareSecurityDescriptor(name: string, sddl: string): Promise<void> {
    this.enter('setShareSecurityDescriptor', [name, sddl]);
    if (sddl.trim() === '')
      throw new HostError(
        'setShareSecurityDescriptor',
        `Refusing to set an empty security descriptor on share "${name}".`,
      );
    this.share('setShareSecurityDescriptor', name).securityDescriptor = sddl;
  }

  async removeShare(name: string): Promise<void> {
    this.enter('removeShare', [name]);
    const share = this.share('removeShare', name);
    this.state.shares.splice(this.state.shares.indexOf(share), 1);
    // Removing a share forcibly disconnects its clients: their open files under its path close.
    this.state.openFiles = this.state.openFiles.filter((f) => !isUnder(f.path, share.path));
    this.recountOpens();
  }

  async createShare(definition: ShareDefinition): Promise<void> {
    this.enter('createShare', [definition]);
    if (this.state.shares.some((s) => same(s.name, definition.name))) {
      throw new HostError(
        'createShare',
        `The name has already been shared: "${definition.name}" (Windows System Error 2118).`,
      );
    }
    this.state.shares.push({ ...definition });
  }

  async listSessions(): Promise<SmbSessionInfo[]> {
    this.enter('listSessions', []);
    return this.state.sessions.map((s) => ({ ...s }));
  }

  async listOpenFiles(pathPrefix: string): Promise<SmbOpenFileInfo[]> {
    this.enter('listOpenFiles', [pathPrefix]);
    return this.state.openFiles.filter((f) => isUnder(f.path, pathPrefix)).map((f) => ({ ...f }));
  }

  async closeOpenFiles(fileIds: string[]): Promise<void> {
    this.enter('closeOpenFiles', [fileIds]);
    this.state.openFiles = this.state.openFiles.filter((f) => !fileIds.includes(f.fileId));
    this.recountOpens();
  }

  async closeSessions(sessionIds: string[]): Promise<void> {
    this.enter('closeSessions', [sessionIds]);
    this.state.sessions = this.state.sessions.filter((s) => !sessionIds.includes(s.sessionId));
    this.state.openFiles = this.state.openFiles.filter((f) => !sessionIds.includes(f.sessionId));
  }

  private recountOpens(): void {
    for (const s of this.state.sessions)
      s.numOpens = this.state.openFiles.filter((f) => f.sessionId === s.sessionId).length;
  }

  async getService(name: string): Promise<ServiceInfo | null> {
    this.enter('getService', [name]);
    const found = this.state.services.find((s) => same(s.name, name));
    return found
      ? { name: found.name, displayName: found.displayName, status: found.status, startType: found.startType }
      : null;
  }

  async stopService(name: string, timeoutSeconds: number): Promise<void> {
    this.enter('stopService', [name, timeoutSeconds]);
    const service = this.service('stopService', name);
    if (service.status === 'Stopped') return;
    if (service.refusesStop) {
      throw new HostError(
        'stopService',
        `The service "${name}" did not stop within ${timeoutSeconds} seconds (status: ${service.status}).`,
      );
    }
    service.status = 'Stopped';
  }

  async startService(name: string, timeoutSeconds: number): Promise<void> {
    this.enter('startService', [name, timeoutSeconds]);
    const service = this.service('startService', name);
    if (service.status === 'Running') return;
    if (service.startType === 'Disabled') {
      throw new HostError('startService', `The service "${name}" cannot be started because it is disabled.`);
    }
    if (service.refusesStart) {
      throw new HostError(
        'startService',
        `The service "${name}" did not start within ${timeoutSeconds} seconds (status: ${service.status}).`,
      );
    }
    service.status = 'Running';
  }

  async setServiceStartType(name: string, startType: ServiceStartType): Promise<void> {
    this.enter('setServiceStartType', [name, startType]);
    if (!START_TYPES.includes(startType))
      throw new HostError('setServiceStartType', `Unknown start type "${String(startType)}".`);
    if (startType === 'Boot' || startType === 'System') {
      throw new HostError(
        'setServiceStartType',
        `Start type ${startType} is only valid for device drivers; refusing to set it on "${name}".`,
      );
    }
    this.service('setServiceStartType', name).startType = startType;
  }

  async listProcesses(names: string[]): Promise<ProcessInfo[]> {
    this.enter('listProcesses', [names]);
    return this.state.processes
      .filter((p) => p.alive && names.some((n) => same(n.replace(/\.exe$/i, ''), p.name)))
      .map(({ id, name, sessionId, userName, path: p }) => ({ id, name, sessionId, userName, path: p }));
  }

  async requestProcessClose(ids: number[]): Promise<void> {
    this.enter('requestProcessClose', [ids]);
    for (const p of this.state.processes) if (ids.includes(p.id) && p.alive && p.exitsOnClose) p.alive = false;
  }

  async forceStopProcesses(ids: number[]): Promise<void> {
    this.enter('forceStopProcesses', [ids]);
    const denied = this.state.processes.filter((p) => ids.includes(p.id) && p.alive && p.accessDenied);
    for (const p of this.state.processes) if (ids.includes(p.id) && !p.accessDenied) p.alive = false;
    if (denied.length > 0) {
      throw new HostError(
        'forceStopProcesses',
        `Cannot stop process ${denied.map((p) => `'${p.name} (${p.id})'`).join(', ')}: Access is denied. Run elevated.`,
      );
    }
  }

  async waitForProcessExit(ids: number[], timeoutSeconds: number): Promise<number[]> {
    this.enter('waitForProcessExit', [ids, timeoutSeconds]);
    return ids.filter((id) => this.state.processes.some((p) => p.id === id && p.alive));
  }

  async sendMessage(text: string, displaySeconds: number): Promise<MessageResult> {
    this.enter('sendMessage', [text, displaySeconds]);
    switch (this.state.messageBehaviour) {
      case 'missing':
        return msgUnavailable(
          "The term 'msg.exe' is not recognized as a name of a cmdlet, function, script file, or executable program.",
        );
      case 'fail':
        return interpretMsgResult(1, ['Error 5 getting session names']);
      case 'noConsoleSession':
      case 'ok': {
        this.state.messages.push({ text, displaySeconds });
        for (const p of this.state.processes) if (p.alive && p.exitsOnMessage) p.alive = false;
        return this.state.messageBehaviour === 'ok'
          ? interpretMsgResult(0, [])
          : interpretMsgResult(1, ['Error sending message to session Console : Error 2147500058']);
      }
    }
  }

  /** Same msg.exe behaviour as sendMessage, but only our own session sees it: nobody else is warned or quits. */
  async sendMessageToOwnSession(text: string, displaySeconds: number): Promise<MessageResult> {
    this.enter('sendMessageToOwnSession', [text, displaySeconds]);
    switch (this.state.messageBehaviour) {
      case 'missing':
        return msgUnavailable('msg.exe was not found on this server');
      case 'fail':
        return interpretMsgResult(1, ['Error 5 getting session names']);
      case 'noConsoleSession':
      case 'ok':
        this.state.ownSessionMessages.push({ text, displaySeconds, sessionId: this.state.ownSessionId });
        return interpretMsgResult(0, []);
    }
  }

  private findTask(taskPath: string, taskName: string): MemoryScheduledTask | undefined {
    return this.state.scheduledTasks.find((t) => same(t.taskPath, taskPath) && same(t.taskName, taskName));
  }

  async registerScheduledTask(task: ScheduledTaskDefinition): Promise<void> {
    this.enter('registerScheduledTask', [task]);
    if (!(task.taskPath.startsWith('\\') && task.taskPath.endsWith('\\'))) {
      throw new HostError(
        'registerScheduledTask',
        `The task path "${task.taskPath}" is invalid: it must start and end with a backslash.`,
      );
    }
    const replaced = this.findTask(task.taskPath, task.taskName);
    if (replaced) this.state.scheduledTasks.splice(this.state.scheduledTasks.indexOf(replaced), 1);
    this.state.scheduledTasks.push({
      taskPath: task.taskPath,
      taskName: task.taskName,
      state: 'Ready',
      execute: task.execute,
      argument: task.argument,
      userId: 'NT AUTHORITY\\SYSTEM',
      runLevel: 'Highest',
      description: task.description,
      ...(task.runAt === undefined ? {} : { runAt: task.runAt }),
    });
  }

  async getScheduledTask(taskPath: string, taskName: string): Promise<ScheduledTaskInfo | null> {
    this.enter('getScheduledTask', [taskPath, taskName]);
    const found = this.findTask(taskPath, taskName);
    if (!found) return null;
    const { description: _description, runAt: _runAt, ...info } = found;
    return info;
  }

  async unregisterScheduledTask(taskPath: string, taskName: string): Promise<void> {
    this.enter('unregisterScheduledTask', [taskPath, taskName]);
    const found = this.findTask(taskPath, taskName);
    if (!found) throw new HostError('unregisterScheduledTask', `Scheduled task ${taskPath}${taskName} does not exist.`);
    this.state.scheduledTasks.splice(this.state.scheduledTasks.indexOf(found), 1);
  }

  async pathExists(p: string): Promise<boolean> {
    this.enter('pathExists', [p]);
    return disk.pathExists(this.state, p);
  }

  async listFileLockers(folder: string): Promise<FileLocker[]> {
    this.enter('listFileLockers', [folder]);
    if (this.state.fileLockers === null)
      throw new HostError('listFileLockers', 'The Restart Manager could not be asked (simulated).');
    const found = new Map<number, FileLocker>();
    for (const l of this.state.fileLockers ?? []) {
      if (isUnder(l.path, folder)) found.set(l.pid, { pid: l.pid, name: l.name, service: l.service ?? '' });
    }
    return [...found.values()];
  }

  async nameOnDisk(p: string): Promise<string | null> {
    this.enter('nameOnDisk', [p]);
    return disk.nameOnDisk(p);
  }

  /** Like Rename-Item on Windows: fails when the target exists (POSIX rename would replace it). */
  async renameFile(from: string, to: string): Promise<void> {
    this.enter('renameFile', [from, to]);
    return disk.renameFile(this.state, from, to);
  }

  async getAcls(root: string): Promise<AclCapture> {
    this.enter('getAcls', [root]);
    return disk.getAcls(this.state, root);
  }

  async setAcls(root: string, entries: AclEntry[]): Promise<AclReadBack[]> {
    this.enter('setAcls', [root, entries]);
    return disk.setAcls(this.state, root, entries);
  }

  async getVolumeRoot(p: string): Promise<string> {
    this.enter('getVolumeRoot', [p]);
    return disk.getVolumeRoot(this.state, p);
  }

  async shadowCopySupported(volume: string): Promise<boolean> {
    this.enter('shadowCopySupported', [volume]);
    return disk.shadowCopySupported(this.state, volume);
  }

  async createShadowCopy(volume: string): Promise<ShadowCopyInfo> {
    this.enter('createShadowCopy', [volume]);
    return disk.createShadowCopy(this.state, volume);
  }

  async getShadowCopy(id: string): Promise<ShadowCopyInfo | null> {
    this.enter('getShadowCopy', [id]);
    return disk.getShadowCopy(this.state, id);
  }

  async listShadowCopies(volume: string): Promise<ListedShadowCopy[]> {
    this.enter('listShadowCopies', [volume]);
    return disk.listShadowCopies(this.state, volume);
  }

  async deleteShadowCopy(id: string): Promise<void> {
    this.enter('deleteShadowCopy', [id]);
    return disk.deleteShadowCopy(this.state, id);
  }

  async writeEvent(entry: EventEntry): Promise<void> {
    this.enter('writeEvent', [entry]);
    if (!Number.isInteger(entry.eventId) || entry.eventId < 0 || entry.eventId > 65535) {
      throw new HostError('writeEvent', `Event id ${entry.eventId} is out of range (0-65535).`);
    }
    if (!this.state.eventSources.some((s) => same(s, entry.source))) this.state.eventSources.push(entry.source);
    this.state.events.push({ ...entry });
  }

  async interrupt(why: string): Promise<void> {
    // Every in-memory call completes at once, so none is ever in flight to cut short; recorded for tests.
    this.state.calls.push({ operation: 'interrupt', args: [why] });
  }

  async dispose(): Promise<void> {
    // Nothing to release; recorded so tests can check the host was released.
    this.state.calls.push({ operation: 'dispose', args: [] });
  }
}

/** An in-memory Windows server; pass a partial state to seed shares, services, processes, volumes… */
export function createMemoryHost(init: Partial<MemoryHostState> = {}): MemoryHost {
  return new MemoryHost(createMemoryHostState(init));
}
