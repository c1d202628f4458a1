import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import type { Logger } from '../log/logger';
import { acquireLockFile, type HeldLock } from '../store/lock';
import { runLockPath } from './paths';

/**
 * True when `startedAt` is before this machine's last boot: whatever process it belonged to is gone,
 * even if its pid has been reused since (the startup task runs `recover` right after a reboot).
 */
export function startedBeforeBoot(startedAt: string, now: number = Date.now()): boolean {
  const started = Date.parse(startedAt);
  if (Number.isNaN(started)) return false;
  return started < now - os.uptime() * 1000;
}

/** After a reboot a lock file's pid may belong to an unrelated process: a lock older than the boot is stale. */
export async function removeLockFromBeforeBoot(file: string, log: Logger): Promise<void> {
  let info: { startedAt?: unknown };
  try {
    info = JSON.parse(await readFile(file, 'utf8')) as { startedAt?: unknown };
  } catch {
    return;
  }
  if (typeof info.startedAt === 'string' && startedBeforeBoot(info.startedAt)) {
    log.warn(`the lock ${file} dates from before the last boot (${info.startedAt}): removing it`);
    await rm(file, { force: true });
  }
}

/**
 * <stateDir>/run.lock: one run at a time may lock AVImark out (backup, restore --to-live, recover).
 * Creates the state folder, drops a lock left from before the last boot, then takes the lock
 * (a RunFailedError naming the holder when another run has it).
 */
export async function holdRunLock(stateDir: string, purpose: string, log: Logger): Promise<HeldLock> {
  await mkdir(stateDir, { recursive: true });
  const file = runLockPath(stateDir);
  await removeLockFromBeforeBoot(file, log);
  return acquireLockFile(file, { purpose });
}
