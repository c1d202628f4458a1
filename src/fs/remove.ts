import { errnoCode } from '../errors';
import type { FileSystem } from './types';

/** rm -rf that also treats "a parent is no longer a folder" (ENOTDIR) as already gone. */
export async function removeTree(fs: Pick<FileSystem, 'rm'>, p: string): Promise<void> {
  try {
    await fs.rm(p, { recursive: true, force: true });
  } catch (err) {
    if (errnoCode(err) !== 'ENOTDIR') throw err;
  }
}

/** Removes whatever holds the name `p` (a file or link; a folder with its contents); nothing there is fine. */
export async function removeIfExists(fs: Pick<FileSystem, 'unlink' | 'lstat' | 'rm'>, p: string): Promise<void> {
  try {
    await fs.unlink(p);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return;
    if (code === 'EISDIR' || code === 'EPERM') {
      const st = await fs.lstat(p).catch(() => null);
      if (st?.isDirectory()) {
        await fs.rm(p, { recursive: true, force: true });
        return;
      }
    }
    throw err;
  }
}
