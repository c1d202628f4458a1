import path from 'node:path';
import { UsageError } from '../errors';
import { localStamp } from '../format/clock';
import type { FileSystem } from '../fs/types';

/**
 * Written into the target when a restore starts and removed once every file is in place: a folder that
 * still has it holds an interrupted restore (Ctrl+C, a crash), which the next restore into it names.
 */
export const RESTORE_MARKER = '.avimark-backup-restoring.json';

interface RestoreMarker {
  snapshotId: string;
  startedAt: string;
  pid: number;
}

export async function writeMarker(fs: FileSystem, target: string, snapshotId: string): Promise<void> {
  const marker: RestoreMarker = { snapshotId, startedAt: new Date().toISOString(), pid: process.pid };
  await fs.writeFile(path.join(target, RESTORE_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

export async function removeMarker(fs: FileSystem, target: string): Promise<void> {
  await fs.rm(path.join(target, RESTORE_MARKER), { force: true });
}

async function readMarker(fs: FileSystem, target: string): Promise<RestoreMarker | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(target, RESTORE_MARKER), 'utf8')) as RestoreMarker;
  } catch {
    return null;
  }
}

/** The refusal of a restore into a folder that holds an interrupted one (without --force): what it is, how to go on. */
export async function refuseInterruptedRestore(fs: FileSystem, target: string): Promise<never> {
  const marker = await readMarker(fs, target);
  throw new UsageError(
    `${target} holds an interrupted restore${marker ? ` of snapshot ${marker.snapshotId} (started ${localStamp(new Date(marker.startedAt))})` : ''}: its files are incomplete`,
    'to finish it, run the same restore again with --force (files already restored are replaced); or delete the folder and restore into it anew',
  );
}
