import os from 'node:os';
import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import { ownIdentity, ownerAlive } from '../fs/process-identity';
import { RunFailedError, errnoCode } from '../errors';
import { storeLayout } from './layout';

export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  purpose: string;
  /** The holder's process creation time and image name (issue 13 §1). Null in locks written by older versions. */
  createdAt: string | null;
  image: string | null;
}

export interface HeldLock {
  path: string;
  info: LockInfo;
  /** Removes the lock file (only if it is still ours). Safe to call twice. */
  release(): Promise<void>;
}

/** A lock file whose content never became readable is treated as abandoned after this long. */
const UNREADABLE_LOCK_GRACE_MS = 10_000;

async function readLock(fs: FileSystem, file: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockInfo>;
    if (typeof info.pid !== 'number' || typeof info.hostname !== 'string') return null;
    return {
      pid: info.pid,
      hostname: info.hostname,
      startedAt: String(info.startedAt ?? '?'),
      purpose: String(info.purpose ?? 'backup'),
      createdAt: typeof info.createdAt === 'string' ? info.createdAt : null,
      image: typeof info.image === 'string' ? info.image : null,
    };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw err;
    return null;
  }
}

/**
 * Takes `file` atomically (O_CREAT|O_EXCL) and writes {pid, createdAt, image, hostname, startedAt, purpose} into it.
 * A lock left by a dead process on this host (or one whose PID now belongs to another process) is taken over; a live holder (or one on another host,
 * which cannot be checked) makes this fail with a RunFailedError naming it.
 */
export async function acquireLockFile(
  file: string,
  options: { purpose?: string; fs?: FileSystem; now?: () => Date } = {},
): Promise<HeldLock> {
  const fs = options.fs ?? localFs;
  const info: LockInfo = {
    ...ownIdentity(),
    hostname: os.hostname(),
    startedAt: (options.now?.() ?? new Date()).toISOString(),
    purpose: options.purpose ?? 'backup',
  };
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const handle = await fs.open(file, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(info)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        path: file,
        info,
        release: async () => {
          if (released) return;
          released = true;
          const current = await readLock(fs, file).catch(() => null);
          if (current && current.pid === info.pid && current.hostname === info.hostname)
            await fs.rm(file, { force: true });
        },
      };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    let holder: LockInfo | null;
    try {
      holder = await readLock(fs, file);
    } catch {
      continue; // vanished meanwhile: try again
    }
    if (holder === null) {
      const st = await fs.stat(file).catch(() => null);
      if (st && Date.now() - st.mtimeMs < UNREADABLE_LOCK_GRACE_MS) {
        throw new RunFailedError(`${file} is being taken by another process`, 'try again in a few seconds');
      }
    } else if (holder.hostname !== os.hostname() || ownerAlive(holder)) {
      const where = holder.hostname === os.hostname() ? '' : ` on ${holder.hostname}`;
      throw new RunFailedError(
        `another ${holder.purpose} (pid ${holder.pid}${where}, started ${holder.startedAt}) is running: lock ${file}`,
        holder.hostname === os.hostname()
          ? 'wait for it to finish'
          : `if no backup is running on ${holder.hostname}, delete ${file}`,
      );
    }
    // The holder is dead (or the lock is garbage): take it over. Rename-then-remove keeps two
    // racing takers from both deleting a fresh lock.
    const stale = `${file}.stale-${process.pid}`;
    try {
      await fs.rename(file, stale);
      await fs.rm(stale, { force: true });
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  throw new RunFailedError(`could not take the lock ${file}`, 'another process keeps taking it; try again later');
}

/** The store lock DEST/lock, held by backups (and anything else that changes the store). */
export function acquireStoreLock(dest: string, options: { purpose?: string; fs?: FileSystem } = {}): Promise<HeldLock> {
  return acquireLockFile(storeLayout(dest).lockFile, options);
}
