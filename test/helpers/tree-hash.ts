import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * An independent oracle for "these two folders hold the same files": every file's relative path
 * (with `/` separators) mapped to its SHA-256, and every folder mapped to "dir".
 */
export async function treeHashes(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  async function walk(dir: string, rel: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        result[relPath] = 'dir';
        await walk(full, relPath);
      } else if (entry.isFile()) {
        result[relPath] = createHash('sha256')
          .update(await readFile(full))
          .digest('hex');
      } else {
        result[relPath] = 'other';
      }
    }
  }
  await walk(root, '');
  return result;
}
