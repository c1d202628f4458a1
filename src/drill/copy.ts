import path from 'node:path';
import type { FileSystem } from '../fs/types';

/**
 * Copies a snapshot folder into an empty folder as an independent, writable tree: real copies
 * (never hard links, so nothing done to the copy can reach the snapshot), folders and links
 * re-created, modification times kept. The drill checks the result against the manifest itself.
 */
export async function copyTreeInto(fs: FileSystem, from: string, to: string): Promise<void> {
  const entries = await fs.readdir(from, { withFileTypes: true });
  for (const entry of entries) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) {
      await fs.mkdir(dst);
      await copyTreeInto(fs, src, dst);
      const st = await fs.lstat(src);
      await fs.utimes(dst, st.atime, st.mtime);
    } else if (entry.isSymbolicLink()) {
      await fs.symlink(await fs.readlink(src), dst);
    } else if (entry.isFile()) {
      const st = await fs.lstat(src);
      await fs.copyFile(src, dst, 1 /* COPYFILE_EXCL */);
      await fs.chmod(dst, (st.mode & 0o777) | 0o200);
      await fs.utimes(dst, st.atime, st.mtime);
    }
  }
}
