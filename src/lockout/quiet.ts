import type { LockoutConfig } from '../config/schema';
import type { WindowsHost } from '../host/types';

export interface QuietProof {
  quiet: boolean;
  /** Why it is not quiet, one sentence per thing still alive. */
  reasons: string[];
}

/**
 * The folder is quiet when no configured process runs, no SMB client holds a file under it, and
 * every configured service that exists is stopped. Anything else means the copy would not be
 * consistent, so the cycle gives AVImark back and fails instead.
 */
export async function proveQuiet(host: WindowsHost, lockout: LockoutConfig, source: string): Promise<QuietProof> {
  const reasons: string[] = [];
  const names = lockout.processes.map((p) => p.name);
  if (names.length > 0) {
    for (const p of await host.listProcesses(names)) {
      reasons.push(`process ${p.name} (pid ${p.id}${p.userName ? `, ${p.userName}` : ''}) is still running`);
    }
  }
  for (const f of await host.listOpenFiles(source)) {
    reasons.push(`${f.path} is open over SMB by ${f.clientUserName} on ${f.clientComputerName}`);
  }
  for (const svc of lockout.services) {
    const info = await host.getService(svc.name);
    if (info && info.status !== 'Stopped') reasons.push(`service ${info.name} is ${info.status}`);
  }
  return { quiet: reasons.length === 0, reasons };
}
