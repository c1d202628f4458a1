import { errnoCode } from '../errors';
import type { FileSystem } from './types';

/** True when `p` exists (lstat: a link counts, not followed); false when it does not; other errors throw. */
export async function exists(fs: Pick<FileSystem, 'lstat'>, p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** The file's text, or null when it does not exist. */
export async function readFileIfExists(fs: Pick<FileSystem, 'readFile'>, file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/** The names in a folder, or none when the folder does not exist. */
export async function readdirOrEmpty(fs: Pick<FileSystem, 'readdir'>, dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}
