/**
 * The simulated Windows server, for tests and the demo.
 *
 *   const sim = await createSimulatedServer((paths) => ({ shares: [...], services: [...], processes: [...] }));
 *   sim.env        // run pwsh or the CLI against it: AVIMARK_SIM_STATE, PSModulePath (+test/sim/modules), PATH (+test/sim/bin, node, pwsh)
 *   sim.createHost()       // the REAL PowerShell bridge (PowerShellHost) pointed at the simulator
 *   await sim.readState()  // the raw state file (PascalCase, like the Windows objects)
 *   await sim.cleanup()    // kills the stand-in processes it started, removes the temp dir
 *
 * Nothing in src/ knows about the simulator: it is selected purely by environment. pwsh on Linux has
 * no SmbShare, *-Service, CimCmdlets or *-EventLog commands, so the modules in test/sim/modules
 * autoload from PSModulePath; msg.exe / taskkill.exe / sc.exe resolve to test/sim/bin through PATH.
 * Processes are real: stand-ins (test/sim/standin.mjs) started through a symlink named after the
 * program, so the real Get-Process/Stop-Process see them as e.g. `avimark`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPowerShellHost, type PowerShellHost } from '../../src/host/powershell';
import type {
  ServiceStartType,
  ServiceStatus,
  ShareDefinition,
  SmbOpenFileInfo,
  SmbSessionInfo,
} from '../../src/host/types';
import { fireDueTasks as fireSimDueTasks, type FiredTask } from '../sim/scheduler.cjs';
import { updateState } from '../sim/state.cjs';
import { pwshPath, repoRoot } from './pwsh';

export const simModulesDir = path.join(repoRoot, 'test', 'sim', 'modules');
export const simBinDir = path.join(repoRoot, 'test', 'sim', 'bin');
export const standinScript = path.join(repoRoot, 'test', 'sim', 'standin.mjs');

const CACHING = ['None', 'Manual', 'Documents', 'Programs', 'BranchCache', 'Unknown'];
const FOLDER_ENUM = ['AccessBased', 'Unrestricted'];

export interface SimServiceSpec {
  name: string;
  displayName?: string;
  status?: ServiceStatus;
  startType?: ServiceStartType;
  /** Restarted WatchdogDelayMs after it stops, unless Disabled. */
  watchdog?: boolean;
  watchdogDelayMs?: number;
  /** Stays StopPending forever. */
  refusesStop?: boolean;
  refusesStart?: boolean;
  stopDelayMs?: number;
}

export interface SimProcessSpec {
  /** Process name as Get-Process reports it, e.g. 'avimark'. */
  name: string;
  exitsOnClose?: boolean;
  exitsOnMessage?: boolean;
}

export interface SimServerSpec {
  computerName?: string;
  shares?: ShareDefinition[];
  sessions?: SmbSessionInfo[];
  openFiles?: SmbOpenFileInfo[];
  services?: SimServiceSpec[];
  processes?: SimProcessSpec[];
  msg?: 'ok' | 'noConsoleSession' | 'noConsoleSessionGerman' | 'noConsoleSessionSilent' | 'fail';
  /** Test knobs: hang: { 'Get-SmbShare': seconds }, shadowReturnValue: n, cimAccessDenied: true. */
  knobs?: Record<string, unknown>;
  /** File system of volume C (default NTFS). */
  fileSystem?: string;
}

export interface SimPaths {
  dir: string;
  /** The simulated C:\ — a real folder, ending in '/'. */
  volumeRoot: string;
  /** Where shadow copies of C are materialised (outside the volume). */
  shadowDir: string;
}

export interface SimProcess {
  name: string;
  pid: number;
  child: ChildProcess;
}

/** The raw state file. Shares etc. use the Windows property names (PascalCase); enums are integers. */
export interface SimState {
  computerName: string;
  shares: Array<Record<string, unknown>>;
  sessions: Array<Record<string, unknown>>;
  openFiles: Array<Record<string, unknown>>;
  services: Array<Record<string, unknown>>;
  volumes: Array<{ Name: string; DeviceID: string; FileSystem: string; ShadowDir: string | null }>;
  shadowCopies: Array<{ ID: string; DeviceObject: string; VolumeName: string; InstallDate: string }>;
  eventSources: Array<{ Source: string; LogName: string }>;
  events: Array<{
    LogName: string;
    Source: string;
    EntryType: string;
    EventId: number;
    Message: string;
    TimeWritten: string;
  }>;
  messages: Array<{ Target: string; Time: number | null; Text: string; Args: string[] }>;
  msg: { behaviour: string };
  processes: Array<{ Pid: number; Name: string; Exe: string; ExitsOnClose: boolean; ExitsOnMessage: boolean }>;
  /** Every simulated cmdlet / program call with its exact bound parameters. */
  calls: Array<{ Command: string; Parameters: Record<string, unknown> }>;
  knobs: Record<string, unknown>;
  /** Placeholder for the ScheduledTasks simulation (owned by its module). */
  scheduledTasks: unknown[];
  nextShadowNumber: number;
}

export interface SimulatedServer extends SimPaths {
  statePath: string;
  env: NodeJS.ProcessEnv;
  pwsh: string;
  processes: SimProcess[];
  readState(): Promise<SimState>;
  /** Changes the state under the shared lock (the same protocol the simulator uses). */
  updateState(update: (state: SimState) => void): void;
  /** Replaces the whole server (state, volume contents, stand-ins) with `spec`; PowerShell hosts stay connected. */
  reset(spec: SimServerSpec | ((paths: SimPaths) => SimServerSpec)): Promise<void>;
  /** Starts one more stand-in and registers it. */
  startProcess(spec: SimProcessSpec): Promise<SimProcess>;
  isAlive(pid: number): boolean;
  /**
   * The simulated Task Scheduler: runs the actions of registered tasks that are due at `now` (default:
   * the clock) as real processes with this server's environment (see test/sim/scheduler.cjs).
   */
  fireDueTasks(options?: { now?: Date; boot?: boolean }): Promise<FiredTask[]>;
  /**
   * Starts a long-lived process that has nothing to do with AVImark or avimark-backup (issue 13 §1: a
   * freed PID handed to an unrelated process). Killed by cleanup.
   */
  startUnrelatedProcess(): Promise<SimProcess>;
  /** The real PowerShell bridge pointed at this simulator. Dispose it before cleanup. */
  createHost(options?: { callTimeoutSeconds?: number }): PowerShellHost;
  cleanup(): Promise<void>;
}

export function shareToSim(s: ShareDefinition): Record<string, unknown> {
  return {
    Name: s.name,
    ScopeName: s.scopeName,
    Path: s.path,
    Description: s.description,
    ConcurrentUserLimit: s.concurrentUserLimit,
    CachingMode: Math.max(0, CACHING.indexOf(s.cachingMode)),
    FolderEnumerationMode: Math.max(0, FOLDER_ENUM.indexOf(s.folderEnumerationMode)),
    EncryptData: s.encryptData,
    ContinuouslyAvailable: s.continuouslyAvailable,
    CATimeout: s.caTimeout,
    Temporary: s.temporary,
    Special: s.special,
    SecurityDescriptor: s.securityDescriptor,
  };
}

export function shareFromSim(s: Record<string, unknown>): ShareDefinition {
  return {
    name: String(s.Name),
    scopeName: String(s.ScopeName),
    path: String(s.Path),
    description: String(s.Description),
    concurrentUserLimit: Number(s.ConcurrentUserLimit),
    cachingMode: CACHING[Number(s.CachingMode)],
    folderEnumerationMode: FOLDER_ENUM[Number(s.FolderEnumerationMode)],
    encryptData: Boolean(s.EncryptData),
    continuouslyAvailable: Boolean(s.ContinuouslyAvailable),
    caTimeout: Number(s.CATimeout),
    temporary: Boolean(s.Temporary),
    special: Boolean(s.Special),
    securityDescriptor: String(s.SecurityDescriptor),
  };
}

export function serviceFromSim(s: Record<string, unknown>): {
  name: string;
  status: ServiceStatus;
  startType: ServiceStartType;
} {
  const startType =
    s.StartType === 'Automatic' && s.DelayedAutoStart === true
      ? 'AutomaticDelayedStart'
      : (s.StartType as ServiceStartType);
  return { name: String(s.Name), status: s.Status as ServiceStatus, startType };
}

function serviceToSim(s: SimServiceSpec): Record<string, unknown> {
  const delayed = s.startType === 'AutomaticDelayedStart';
  return {
    Name: s.name,
    DisplayName: s.displayName ?? s.name,
    Status: s.status ?? 'Running',
    StartType: delayed ? 'Automatic' : (s.startType ?? 'Automatic'),
    DelayedAutoStart: delayed,
    Watchdog: s.watchdog ?? false,
    WatchdogDelayMs: s.watchdogDelayMs ?? 1000,
    RefusesStop: s.refusesStop ?? false,
    RefusesStart: s.refusesStart ?? false,
    StopDelayMs: s.stopDelayMs ?? 0,
  };
}

/**
 * Stand-ins are real processes, visible machine-wide: two test files running in parallel that both
 * start an `avimark` would see (and kill) each other's. Give each test its own names with this
 * (at most 15 characters, the Linux process-name limit), and put the same name in the lockout config.
 */
export function uniqueProcessName(base: string): string {
  const suffix = Math.random().toString(36).slice(2, 6);
  return `${base.slice(0, 11)}${suffix}`;
}

/** The environment that makes pwsh (and anything it starts) talk to the simulator at `statePath`. */
export function simEnv(statePath: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const pwsh = pwshPath();
  const pathParts = [simBinDir, path.dirname(process.execPath)];
  if (path.isAbsolute(pwsh)) pathParts.push(path.dirname(pwsh));
  return {
    ...base,
    AVIMARK_SIM_STATE: statePath,
    PSModulePath: [simModulesDir, base.PSModulePath].filter(Boolean).join(path.delimiter),
    PATH: [...pathParts, base.PATH].filter(Boolean).join(path.delimiter),
  };
}

function initialState(s: SimServerSpec, paths: SimPaths): SimState {
  return {
    computerName: s.computerName ?? 'SIMSRV01',
    shares: (s.shares ?? []).map(shareToSim),
    sessions: (s.sessions ?? []).map((x) => ({
      SessionId: Number(x.sessionId),
      ClientComputerName: x.clientComputerName,
      ClientUserName: x.clientUserName,
      NumOpens: x.numOpens,
    })),
    openFiles: (s.openFiles ?? []).map((f) => ({
      FileId: Number(f.fileId),
      SessionId: Number(f.sessionId),
      Path: f.path,
      ShareRelativePath: f.shareRelativePath,
      ClientComputerName: f.clientComputerName,
      ClientUserName: f.clientUserName,
    })),
    services: (s.services ?? []).map(serviceToSim),
    volumes: [
      {
        Name: paths.volumeRoot,
        DeviceID: '\\\\?\\Volume{5a1e0c1d-0000-4000-8000-00000000000c}\\',
        FileSystem: s.fileSystem ?? 'NTFS',
        ShadowDir: paths.shadowDir,
      },
    ],
    shadowCopies: [],
    eventSources: [],
    events: [],
    messages: [],
    msg: { behaviour: s.msg ?? 'ok' },
    processes: [],
    calls: [],
    knobs: s.knobs ?? {},
    scheduledTasks: [],
    nextShadowNumber: 1,
  };
}

/**
 * Creates a simulated server in a fresh temp dir: <dir>/state.json, <dir>/C/ (volume C, a real
 * folder), <dir>/shadows/ (where shadow copies appear), stand-in processes started and registered.
 * `spec` may be a function of the paths (to put shares/open files under the volume).
 */
export async function createSimulatedServer(
  spec: SimServerSpec | ((paths: SimPaths) => SimServerSpec) = {},
): Promise<SimulatedServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-sim-'));
  const volumeRoot = `${path.join(dir, 'C')}/`;
  const shadowDir = path.join(dir, 'shadows');
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  const paths: SimPaths = { dir, volumeRoot, shadowDir };
  const statePath = path.join(dir, 'state.json');
  const env = simEnv(statePath);
  const processes: SimProcess[] = [];
  const hosts: PowerShellHost[] = [];

  const update = (fn: (st: SimState) => void) => {
    updateState((st: SimState) => {
      fn(st);
    }, statePath);
  };

  const startProcess = async (p: SimProcessSpec): Promise<SimProcess> => {
    const link = path.join(dir, 'bin', p.name);
    await symlink(process.execPath, link).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const args = [standinScript];
    if (p.exitsOnClose) args.push('--exit-on-close');
    if (p.exitsOnMessage) args.push('--exit-on-message');
    const child = spawn(link, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('ready')) resolve();
      });
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`stand-in ${p.name} exited early (${code})`)));
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`stand-in ${p.name} has no pid`);
    child.stdout?.resume();
    const proc = { name: p.name, pid, child };
    processes.push(proc);
    update((st) => {
      st.processes.push({
        Pid: pid,
        Name: p.name,
        Exe: link,
        ExitsOnClose: Boolean(p.exitsOnClose),
        ExitsOnMessage: Boolean(p.exitsOnMessage),
      });
    });
    return proc;
  };

  /** Kills the stand-ins and waits until they are reaped (a zombie would still show in Get-Process). */
  const stopProcesses = async () => {
    await Promise.all(
      processes.splice(0).map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        const exited = new Promise((resolve) => p.child.once('exit', resolve));
        p.child.kill('SIGKILL');
        await exited;
      }),
    );
  };

  const reset = async (next: SimServerSpec | ((paths: SimPaths) => SimServerSpec)) => {
    await stopProcesses();
    await rm(volumeRoot, { recursive: true, force: true });
    await rm(shadowDir, { recursive: true, force: true });
    await mkdir(volumeRoot, { recursive: true });
    await mkdir(shadowDir, { recursive: true });
    const s = typeof next === 'function' ? next(paths) : next;
    const tmp = `${statePath}.seed`;
    await writeFile(tmp, JSON.stringify(initialState(s, paths), null, 2));
    await rename(tmp, statePath);
    for (const p of s.processes ?? []) await startProcess(p);
  };

  await reset(spec);

  return {
    ...paths,
    statePath,
    env,
    pwsh: pwshPath(),
    processes,
    readState: async () => JSON.parse(await readFile(statePath, 'utf8')) as SimState,
    updateState: update,
    reset,
    startProcess,
    isAlive: (pid: number) => {
      const proc = processes.find((p) => p.pid === pid);
      if (proc) return proc.child.exitCode === null && proc.child.signalCode === null;
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    },
    fireDueTasks: (options = {}) => fireSimDueTasks({ ...options, env, statePath }),
    startUnrelatedProcess: async () => {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000); console.log("ready")'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout?.setEncoding('utf8').once('data', () => resolve());
        child.on('error', reject);
      });
      if (child.pid === undefined) throw new Error('unrelated process has no pid');
      child.stdout?.resume();
      const proc = { name: 'node', pid: child.pid, child };
      processes.push(proc);
      return proc;
    },
    createHost: (options = {}) => {
      const host = createPowerShellHost({
        executable: pwshPath(),
        callTimeoutSeconds: options.callTimeoutSeconds ?? 60,
        env,
      });
      hosts.push(host);
      return host;
    },
    cleanup: async () => {
      for (const h of hosts) await h.dispose().catch(() => undefined);
      await stopProcesses();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A simulated server plus the real PowerShell bridge pointed at it. */
export async function createSimulatedHost(
  spec: SimServerSpec | ((paths: SimPaths) => SimServerSpec) = {},
  options: { callTimeoutSeconds?: number } = {},
): Promise<{ server: SimulatedServer; host: PowerShellHost }> {
  const server = await createSimulatedServer(spec);
  return { server, host: server.createHost(options) };
}
