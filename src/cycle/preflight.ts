import path from 'node:path';
import { RunFailedError, errnoCode, errorMessage } from '../errors';
import { formatBytesIn } from '../format/bytes';
import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import type { HostInfo, WindowsHost } from '../host/types';
import { scanTree } from '../engine/scan';
import { compareSnapshotIds, isSnapshotId, manifestPath, partialStateDir, storeLayout } from '../store/layout';
import { Checkpoint } from '../engine/checkpoint';
import { type ReplayedJournal, replayJournalFile } from '../engine/journal-replay';
import { HeldList } from '../engine/held';
import { tempSpillPlace } from '../engine/held-records';
import { PreviousLookup, type PreviousManifest } from '../engine/previous';
import { listSnapshots } from '../store/snapshots';

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

/**
 * Bytes the next snapshot will have to copy: files whose size or modification time differ from the
 * newest snapshot's manifest (everything on a first run), less what the interrupted partial that the run
 * will resume already holds (files its checkpoint marks done, the fsynced part of a large file).
 * Reads only metadata and the checkpoint journal; changes nothing.
 */
export async function expectedCopyBytes(
  source: string,
  dest: string,
  exclude: readonly string[],
  fs: FileSystem = localFs,
): Promise<{ bytes: number; files: number }> {
  // The engine's own reading of the previous manifest, so damage counts as the run will copy it: a manifest
  // cut short, every file; a line damaged part way, the files from there on. The run itself warns.
  const previous = await PreviousLookup.open(
    { fs, previousId: null, warnOnce: () => undefined },
    await newestManifest(fs, dest),
  );
  let held: HeldList | null = null;
  try {
    const resumed = await readResumablePartial(dest, fs);
    held = resumed && HeldList.over(resumed.done);
    let bytes = 0;
    let files = 0;
    for await (const entry of scanTree(fs, source, { exclude })) {
      if (entry.type !== 'file') continue;
      const size = Number(entry.stat.size);
      const mtimeNs = entry.stat.mtimeNs.toString();
      const before = await previous.get(entry.rel);
      if (before && before.size === size && before.mtimeNs === mtimeNs) continue;
      const done = (await held?.get(entry.rel))?.entry;
      if (done && done.type === 'file' && done.size === size && done.mtimeNs === mtimeNs) continue;
      const part = resumed?.partials.get(entry.rel);
      bytes += part && part.size === size && part.mtimeNs === mtimeNs ? Math.max(0, size - part.offset) : size;
      files += 1;
    }
    return { bytes, files };
  } finally {
    await previous.close();
    await held?.close();
  }
}

/** The newest snapshot and its manifest; null when there is none (or no store yet). */
async function newestManifest(fs: FileSystem, dest: string): Promise<PreviousManifest | null> {
  try {
    const newest = (await listSnapshots(dest, fs)).at(-1);
    return newest ? { id: newest.id, manifest: manifestPath(dest, newest.id) } : null;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The checkpoint of the partial the next run resumes (the newest in DEST/in-progress), read without
 * touching it: a torn last line is ignored here, not cut off. Null when there is none or it is unreadable.
 */
async function readResumablePartial(dest: string, fs: FileSystem): Promise<ReplayedJournal | null> {
  const dir = storeLayout(dest).inProgressDir;
  let newest: string | undefined;
  try {
    for (const name of await fs.readdir(dir)) {
      if (!isSnapshotId(name) || (newest !== undefined && compareSnapshotIds(name, newest) <= 0)) continue;
      if ((await fs.lstat(path.join(dir, name))).isDirectory()) newest = name;
    }
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null;
    throw err;
  }
  if (newest === undefined) return null;
  return replayJournalFile(fs, Checkpoint.journalPath(partialStateDir(dest, newest)), tempSpillPlace(fs));
}

/** Free bytes where `dir` is (or would be created), and whether we may write there (by creating a file). */
export async function checkDestinationRoom(
  dest: string,
  neededBytes: number,
  fs: FileSystem = localFs,
): Promise<{ freeBytes: number }> {
  let existing = dest;
  for (;;) {
    try {
      await fs.stat(existing);
      break;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT')
        throw new RunFailedError(`cannot use the destination ${dest}: ${errorMessage(err)}`);
      const parent = path.dirname(existing);
      if (parent === existing) throw new RunFailedError(`the destination ${dest} has no existing parent folder`);
      existing = parent;
    }
  }
  try {
    // Create and remove a file: on Windows access(W_OK) only looks at the read-only attribute, not the ACL.
    const probe = path.join(existing, `.avimark-backup-write-test-${process.pid}`);
    const handle = await fs.open(probe, 'wx');
    await handle.close();
    await fs.rm(probe, { force: true });
  } catch (err) {
    throw new RunFailedError(
      `the destination ${existing} is not writable: ${errorMessage(err)}`,
      'give the backup account write access; nothing was changed',
    );
  }
  const st = await fs.statfs(existing);
  const freeBytes = Number(st.bavail) * Number(st.bsize);
  if (freeBytes < neededBytes) {
    throw new RunFailedError(
      `not enough room at ${dest}: about ${formatBytesIn(neededBytes, 'MiB')} to copy, ${formatBytesIn(freeBytes, 'MiB')} free`,
      'free some space (avimark-backup prune) or use a bigger disk; nothing was changed and no user was disturbed',
    );
  }
  return { freeBytes };
}

/**
 * What the account that runs the nightly task (SYSTEM) sees of the destination (issue 13 §10): drive
 * letters mapped in a user's logon session do not exist for SYSTEM, and a UNC path is reached as the
 * computer account (DOMAIN\COMPUTER$). Pure: the words of the warnings, or none for a local path.
 */
export function destinationAccountWarnings(dest: string, onLocalVolume: boolean | null = null): string[] {
  if (/^(\\\\|\/\/)(?![?.][\\/])[^\\/]+[\\/][^\\/]+/.test(dest)) {
    return [
      `the destination ${dest} is a network share: the nightly task runs as SYSTEM and reaches it as this computer's account (DOMAIN\\COMPUTERNAME$); check that the computer account (or "Domain Computers") may change files in the share AND its folder (NTFS), or run the task as a dedicated service account`,
    ];
  }
  const letter = driveLetter(dest);
  if (letter && onLocalVolume === false) {
    return [
      `the destination ${dest} is on drive ${letter}:, which is not a local volume: a mapped drive letter exists only in the logon session that mapped it, never for SYSTEM (the nightly task); use the UNC path (\\\\server\\share\\…) instead`,
    ];
  }
  return [];
}

function driveLetter(p: string): string | undefined {
  return /^([A-Za-z]):/.exec(p)?.[1]?.toUpperCase();
}

/**
 * `destinationAccountWarnings` with the server's answer to "is this drive letter a local volume?"
 * (Win32_Volume lists local volumes, fixed and removable, never network drives). Unknown when the
 * question itself fails for another reason: then no drive-letter warning.
 */
export async function destinationWarnings(host: WindowsHost, dest: string): Promise<string[]> {
  let onLocalVolume: boolean | null = null;
  if (driveLetter(dest)) {
    onLocalVolume = await host.getVolumeRoot(dest).then(
      () => true,
      (err: unknown) => (/No volume holds/i.test(errorMessage(err)) ? false : null),
    );
  }
  return destinationAccountWarnings(dest, onLocalVolume);
}
