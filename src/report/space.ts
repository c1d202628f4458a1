import { lstat, opendir, statfs } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../errors';
import type { SpaceUsage } from './model';

/**
 * What the snapshots cost on disk. Unchanged files are hard links to the previous snapshot, so
 * each inode is counted once (by device + inode number) for `storedBytes`, and once per path for
 * `apparentBytes`. Files with a single link cannot be shared, so only multi-link inodes are remembered.
 */
export async function measureSpace(dest: string): Promise<SpaceUsage> {
  const usage: SpaceUsage = {
    apparentBytes: 0,
    storedBytes: 0,
    files: 0,
    uniqueFiles: 0,
    volumeTotalBytes: null,
    volumeFreeBytes: null,
  };
  const seen = new Set<string>();
  const stack = [path.join(dest, 'snapshots')];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let handle;
    try {
      handle = await opendir(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    for await (const entry of handle) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        stack.push(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const st = await lstat(full, { bigint: true });
      const size = Number(st.size);
      usage.files += 1;
      usage.apparentBytes += size;
      if (st.nlink > 1n) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      usage.uniqueFiles += 1;
      usage.storedBytes += size;
    }
  }
  try {
    const fsStats = await statfs(dest);
    usage.volumeTotalBytes = fsStats.blocks * fsStats.bsize;
    usage.volumeFreeBytes = fsStats.bavail * fsStats.bsize;
  } catch {
    // Unknown volume figures are shown as "unknown"; they never stop a report.
  }
  return usage;
}
