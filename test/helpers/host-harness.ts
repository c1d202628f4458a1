/**
 * One way to seed and inspect a Windows server, for both implementations, so a single contract
 * suite (contract.ts) runs against the in-memory host and the PowerShell bridge over the simulator.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MemoryHost, createMemoryHostState, type MemoryHostState } from '../../src/host/memory';
import type {
  EventEntry,
  ServiceStartType,
  ServiceStatus,
  ShareDefinition,
  SmbOpenFileInfo,
  SmbSessionInfo,
  WindowsHost,
} from '../../src/host/types';
import {
  createSimulatedServer,
  serviceFromSim,
  uniqueProcessName,
  shareFromSim,
  type SimPaths,
  type SimServerSpec,
  type SimulatedServer,
} from './sim';

export interface ServerView {
  shares: ShareDefinition[];
  sessions: SmbSessionInfo[];
  openFiles: SmbOpenFileInfo[];
  services: Array<{ name: string; status: ServiceStatus; startType: ServiceStartType }>;
  /** Messages to every session (`msg *`). */
  messages: Array<{ text: string; displaySeconds: number | null }>;
  /** Messages to one session only (sendMessageToOwnSession). */
  ownSessionMessages: Array<{ text: string; displaySeconds: number | null }>;
  scheduledTasks: Array<{ taskPath: string; taskName: string; description: string | null }>;
  events: EventEntry[];
  shadowCopyIds: string[];
}

export interface Harness {
  kind: 'memory' | 'powershell';
  host: WindowsHost;
  paths: SimPaths;
  /** Replaces the server; returns the process ids of spec.processes, in order. */
  seed(spec: SimServerSpec | ((paths: SimPaths) => SimServerSpec)): Promise<number[]>;
  view(): Promise<ServerView>;
  isAlive(pid: number): boolean;
  /** A process name for stand-ins (unique per harness on the simulator: real processes are machine-wide). */
  processName(base: string): string;
  /** Lets time-driven behaviour (the simulator's watchdog) act: waits `ms` on the simulator, nothing in memory. */
  settle(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function memoryHarness(): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-memhost-'));
  const paths: SimPaths = { dir, volumeRoot: `${path.join(dir, 'C')}/`, shadowDir: path.join(dir, 'shadows') };
  const state: MemoryHostState = createMemoryHostState();
  const host = new MemoryHost(state);
  return {
    kind: 'memory',
    host,
    paths,
    seed: async (spec) => {
      const s = typeof spec === 'function' ? spec(paths) : spec;
      await rm(paths.volumeRoot, { recursive: true, force: true });
      await rm(paths.shadowDir, { recursive: true, force: true });
      await mkdir(paths.volumeRoot, { recursive: true });
      await mkdir(paths.shadowDir, { recursive: true });
      const pids = (s.processes ?? []).map((_, i) => 4000 + i);
      Object.assign(
        state,
        createMemoryHostState({
          shares: (s.shares ?? []).map((x) => ({ ...x })),
          sessions: (s.sessions ?? []).map((x) => ({ ...x })),
          openFiles: (s.openFiles ?? []).map((x) => ({ ...x })),
          services: (s.services ?? []).map((x) => ({
            name: x.name,
            displayName: x.displayName ?? x.name,
            status: x.status ?? 'Running',
            startType: x.startType ?? 'Automatic',
            watchdog: x.watchdog,
            refusesStop: x.refusesStop,
            refusesStart: x.refusesStart,
          })),
          processes: (s.processes ?? []).map((p, i) => ({
            id: pids[i],
            name: p.name,
            sessionId: 2,
            userName: 'HOSP\\user',
            path: null,
            alive: true,
            exitsOnClose: p.exitsOnClose,
            exitsOnMessage: p.exitsOnMessage,
          })),
          // The memory host has no locale: every "no console session" answer is the same to it.
          messageBehaviour:
            s.msg === 'noConsoleSessionGerman' || s.msg === 'noConsoleSessionSilent'
              ? 'noConsoleSession'
              : (s.msg ?? 'ok'),
          volumes: [{ root: paths.volumeRoot, fileSystem: s.fileSystem ?? 'NTFS', shadowDir: paths.shadowDir }],
        }),
      );
      return pids;
    },
    view: async () => ({
      shares: state.shares.map((x) => ({ ...x })),
      sessions: state.sessions.map((x) => ({ ...x })),
      openFiles: state.openFiles.map((x) => ({ ...x })),
      services: state.services.map((x) => ({ name: x.name, status: x.status, startType: x.startType })),
      messages: state.messages.map((m) => ({ text: m.text, displaySeconds: m.displaySeconds })),
      ownSessionMessages: state.ownSessionMessages.map((m) => ({ text: m.text, displaySeconds: m.displaySeconds })),
      scheduledTasks: state.scheduledTasks.map((t) => ({
        taskPath: t.taskPath,
        taskName: t.taskName,
        description: t.description,
      })),
      events: state.events.map((e) => ({ ...e })),
      shadowCopyIds: state.shadowCopies.map((s) => s.id),
    }),
    isAlive: (pid) => state.processes.some((p) => p.id === pid && p.alive),
    processName: (base) => base,
    settle: async () => undefined,
    close: async () => {
      await host.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function simulatorHarness(): Promise<Harness & { server: SimulatedServer }> {
  const server = await createSimulatedServer({});
  const host = server.createHost({ callTimeoutSeconds: 60 });
  const names = new Map<string, string>();
  return {
    kind: 'powershell',
    host,
    server,
    paths: { dir: server.dir, volumeRoot: server.volumeRoot, shadowDir: server.shadowDir },
    seed: async (spec) => {
      await server.reset(spec);
      return server.processes.map((p) => p.pid);
    },
    view: async () => {
      const st = await server.readState();
      return {
        shares: st.shares.map(shareFromSim),
        sessions: st.sessions.map((x) => ({
          sessionId: String(x.SessionId),
          clientComputerName: String(x.ClientComputerName),
          clientUserName: String(x.ClientUserName),
          numOpens: Number(x.NumOpens),
        })),
        openFiles: st.openFiles.map((f) => ({
          fileId: String(f.FileId),
          sessionId: String(f.SessionId),
          path: String(f.Path),
          shareRelativePath: String(f.ShareRelativePath),
          clientComputerName: String(f.ClientComputerName),
          clientUserName: String(f.ClientUserName),
        })),
        services: st.services.map(serviceFromSim),
        messages: st.messages.filter((m) => m.Target === '*').map((m) => ({ text: m.Text, displaySeconds: m.Time })),
        ownSessionMessages: st.messages
          .filter((m) => m.Target !== '*')
          .map((m) => ({ text: m.Text, displaySeconds: m.Time })),
        scheduledTasks: (
          st.scheduledTasks as Array<{ TaskPath: string; TaskName: string; Description: string | null }>
        ).map((t) => ({
          taskPath: t.TaskPath,
          taskName: t.TaskName,
          description: t.Description,
        })),
        events: st.events.map((e) => ({
          source: e.Source,
          eventId: e.EventId,
          level: e.EntryType as EventEntry['level'],
          message: e.Message,
        })),
        shadowCopyIds: st.shadowCopies.map((s) => s.ID),
      };
    },
    isAlive: (pid) => server.isAlive(pid),
    processName: (base) => names.get(base) ?? names.set(base, uniqueProcessName(base)).get(base)!,
    settle: (ms) => new Promise((r) => setTimeout(r, ms)),
    close: () => server.cleanup(),
  };
}
