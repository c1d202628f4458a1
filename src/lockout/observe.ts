import type { WindowsHost } from '../host/types';
import { executablesToRename, lockedPathFor, type HostObservations, type PlanInput } from './plan';

/** Reads everything the lockout plan needs from the server. Changes nothing. */
export async function observeHost(host: WindowsHost, input: PlanInput): Promise<HostObservations> {
  const { lockout } = input;
  const share = lockout.share ? await host.getShare(lockout.share.name) : null;
  const services: HostObservations['services'] = [];
  for (const svc of lockout.services) services.push({ name: svc.name, info: await host.getService(svc.name) });
  const processes = lockout.processes.length > 0 ? await host.listProcesses(lockout.processes.map((p) => p.name)) : [];
  const executables: HostObservations['executables'] = [];
  for (const exe of executablesToRename(input)) {
    const onDisk = await host.nameOnDisk(exe.path);
    executables.push({
      path: exe.path,
      onDisk,
      lockedExists: await host.pathExists(lockedPathFor(onDisk ?? exe.path)),
    });
  }
  const openFiles = await host.listOpenFiles(input.source);
  const sessions = await host.listSessions();
  return { share, services, processes, executables, openFiles, sessions };
}
