import path from 'node:path';
import { ConfigError, RunFailedError, UsageError, errnoCode, errorMessage } from '../errors';
import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import type { HostInfo, WindowsHost } from '../host/types';
import { scanTree } from '../engine/scan';
import { manifestPath } from '../store/layout';
import { loadManifestIndex } from '../store/manifest';
import { listSnapshots } from '../store/snapshots';
import type { PlanProblem } from '../lockout/plan';

/** PowerShell answers (the bridge can start and run our script); a failure names what to check. */
export async function checkHostReachable(host: WindowsHost): Promise<HostInfo> {
  try {
    return await host.info();
  } catch (err) {
    throw new RunFailedError(
      `PowerShell is not reachable: ${errorMessage(err)}`,
      'check "powershell.executable" in the config and that the account running the backup may start it; nothing was changed',
    );
  }
}

/** Turns lockout plan problems into one error: exit 2 when they are all about the config, else exit 1. */
export function planProblemsError(problems: PlanProblem[]): Error {
  const lines = problems.map((p) => (p.field ? `config ${p.field}: ${p.message}` : p.message));
  const message = `preflight failed, nothing was changed and no user was disturbed:\n${lines.map((l) => `  - ${l}`).join('\n')}`;
  if (problems.every((p) => p.field)) {
    if (problems.length === 1) return new ConfigError(problems[0].field ?? '', problems[0].message, 'fix the name, or mark it "optional": true');
    return new UsageError(message, 'fix the names, or mark them "optional": true');
  }
  return new RunFailedError(message);
}

/**
 * Bytes the next snapshot will have to copy: files whose size or modification time differ from the
 * newest snapshot's manifest (everything on a first run). Reads only metadata.
 */
export async function expectedCopyBytes(source: string, dest: string, exclude: readonly string[], fs: FileSystem = localFs): Promise<{ bytes: number; files: number }> {
  let previous: Map<string, { size: number; mtimeNs: string }> | null = null;
  try {
    const newest = (await listSnapshots(dest, fs)).at(-1);
    if (newest) previous = await loadManifestIndex(fs, manifestPath(dest, newest.id));
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  let bytes = 0;
  let files = 0;
  for await (const entry of scanTree(fs, source, { exclude })) {
    if (entry.type !== 'file') continue;
    const size = Number(entry.stat.size);
    const before = previous?.get(entry.rel);
    if (before && before.size === size && before.mtimeNs === entry.stat.mtimeNs.toString()) continue;
    bytes += size;
    files += 1;
  }
  return { bytes, files };
}

/** Free bytes where `dir` is (or would be created), and whether we may write there. */
export async function checkDestinationRoom(dest: string, neededBytes: number, fs: FileSystem = localFs): Promise<{ freeBytes: number }> {
  let existing = dest;
  for (;;) {
    try {
      await fs.stat(existing);
      break;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw new RunFailedError(`cannot use the destination ${dest}: ${errorMessage(err)}`);
      const parent = path.dirname(existing);
      if (parent === existing) throw new RunFailedError(`the destination ${dest} has no existing parent folder`);
      existing = parent;
    }
  }
  try {
    await fs.access(existing, 2 /* W_OK */);
  } catch (err) {
    throw new RunFailedError(`the destination ${existing} is not writable: ${errorMessage(err)}`, 'give the backup account write access; nothing was changed');
  }
  const st = await fs.statfs(existing);
  const freeBytes = Number(st.bavail) * Number(st.bsize);
  if (freeBytes < neededBytes) {
    throw new RunFailedError(
      `not enough room at ${dest}: about ${mib(neededBytes)} MiB to copy, ${mib(freeBytes)} MiB free`,
      'free some space (avimark-backup prune) or use a bigger disk; nothing was changed and no user was disturbed',
    );
  }
  return { freeBytes };
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
