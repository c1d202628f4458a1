import type { FileSystem } from '../fs/types';
import { comparePaths, openManifest } from './manifest';
import type { ManifestEntry } from './types';

/** Whether `entry` (a file) is not the file `before` recorded: new, or other content, size or time. */
function differs(entry: ManifestEntry, before: ManifestEntry | undefined): boolean {
  return (
    before === undefined ||
    before.type !== 'file' ||
    before.sha256 !== entry.sha256 ||
    before.size !== entry.size ||
    before.mtimeNs !== entry.mtimeNs
  );
}

/**
 * The paths of the files in the manifest `newer` that the manifest `older` does not have as the same file
 * (new files, and files whose content, size or time differ). Both are read side by side as streams in their
 * path order (`comparePaths`), so memory follows the number of changed files, not the size of either
 * manifest. A line out of that order can only add paths (a file checked once more), never hide a change.
 */
export async function changedFiles(fs: FileSystem, newer: string, older: string): Promise<Set<string>> {
  const changed = new Set<string>();
  const previous = (await openManifest(fs, older)).entries[Symbol.asyncIterator]();
  try {
    let before = await previous.next();
    for await (const entry of (await openManifest(fs, newer)).entries) {
      if (entry.type !== 'file') continue;
      while (!before.done && comparePaths(before.value.path, entry.path) < 0) before = await previous.next();
      const same = before.done || before.value.path !== entry.path ? undefined : before.value;
      if (differs(entry, same)) changed.add(entry.path);
    }
  } finally {
    await previous.return?.(undefined);
  }
  return changed;
}
