import path from 'node:path';
import type { FileSystem } from '../fs/types';
import { errnoCode } from '../errors';

/**
 * Flushes a directory's entries (new names, renames) to disk. Windows cannot open a directory for
 * fsync (NTFS journals metadata itself), so there it is a no-op; elsewhere errors other than
 * "not supported" propagate.
 */
export async function fsyncDir(fs: FileSystem, dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw err;
  } finally {
    await handle.close();
  }
}

/** Writes a file so that readers (and a power cut) see the old content or the new, never a torn mix. */
export async function writeFileAtomic(fs: FileSystem, file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(fs, path.dirname(file));
}
