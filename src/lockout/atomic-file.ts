import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../errors';
import type { FileSystem } from '../fs/types';

export type AtomicFs = Pick<FileSystem, 'open' | 'rename' | 'unlink' | 'mkdir' | 'readFile'>;

/**
 * Writes `text` so that a reader (or a crash at any instant) sees either the old file or the new
 * one, never a torn one: write a temp file beside it, fsync it, rename over, fsync the folder.
 */
export async function writeFileAtomic(file: string, text: string, fs: AtomicFs = nodeFs): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  try {
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (err) {
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir, fs);
}

async function syncDir(dir: string, fs: AtomicFs): Promise<void> {
  // Windows cannot open a folder for fsync (EISDIR/EPERM); NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The file's text, or null when it does not exist. */
export async function readFileIfExists(file: string, fs: AtomicFs = nodeFs): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}
