import type { FileSystem } from '../fs/types';
import { ManifestFormatError, comparePaths, openManifest } from './manifest';
import { isManifestComplete } from './manifest-complete';
import { PathCursor } from './path-cursor';
import type { ManifestEntry } from './types';

/**
 * A manifest read alongside something in the same path order (`comparePaths`: the scan, another manifest),
 * through PathCursor (./path-cursor.ts): memory is one entry whatever the manifest's size. A path asked for
 * after a later one (out of that order), or asked for again, is answered "not there": the caller copies or
 * checks the file once more, never wrongly skips it. `close` releases the file when the caller stops
 * before the end.
 */
export class ManifestCursor extends PathCursor<ManifestEntry> {
  /**
   * Opens `file` (a missing file throws ENOENT). A manifest without its announced number of lines (torn,
   * cut short) is refused here, before any lookup, as loading it whole would: a lookup that never reads to
   * the end would otherwise trust it. A line that does not parse throws when the lookups reach it.
   */
  static async open(fs: FileSystem, file: string): Promise<ManifestCursor> {
    const { entries } = await openManifest(fs, file);
    if (!(await isManifestComplete(fs, file))) {
      throw new ManifestFormatError(`${file} does not have the number of entries its header announces (torn?)`);
    }
    return new ManifestCursor(entries[Symbol.asyncIterator](), (e) => e.path);
  }
}

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
 * (new files, and files whose content, size or time differ). Both are read side by side as streams, so
 * memory follows the number of changed files, not the size of either manifest.
 */
export async function changedFiles(fs: FileSystem, newer: string, older: string): Promise<Set<string>> {
  const changed = new Set<string>();
  const previous = await ManifestCursor.open(fs, older);
  try {
    for await (const entry of (await openManifest(fs, newer)).entries) {
      if (entry.type === 'file' && differs(entry, await previous.get(entry.path))) changed.add(entry.path);
    }
  } finally {
    await previous.close();
  }
  return changed;
}

/** One path of a merge: its entry in the older stream, in the newer one, or both. */
export interface MergedEntry {
  before?: ManifestEntry;
  after?: ManifestEntry;
}

/**
 * Two entry streams in path order (`comparePaths`), merged path by path: memory is one entry of each. The
 * older stream is a manifest read from disk, so a path out of order there throws ManifestFormatError (a
 * merge past it would pair the wrong entries); the newer one is this program's own, sorted, list.
 */
export async function* mergeByPath(
  older: AsyncIterable<ManifestEntry>,
  newer: Iterable<ManifestEntry> | AsyncIterable<ManifestEntry>,
): AsyncGenerator<MergedEntry> {
  const olds = older[Symbol.asyncIterator]();
  let last: string | null = null;
  const nextOld = async (): Promise<ManifestEntry | undefined> => {
    const r = await olds.next();
    if (r.done) return undefined;
    if (last !== null && comparePaths(last, r.value.path) >= 0)
      throw new ManifestFormatError(`"${r.value.path}" comes after "${last}": the manifest is not in path order`);
    last = r.value.path;
    return r.value;
  };
  try {
    let before = await nextOld();
    for await (const after of newer) {
      while (before !== undefined && comparePaths(before.path, after.path) < 0) {
        yield { before };
        before = await nextOld();
      }
      if (before !== undefined && before.path === after.path) {
        yield { before, after };
        before = await nextOld();
      } else {
        yield { after };
      }
    }
    for (; before !== undefined; before = await nextOld()) yield { before };
  } finally {
    await olds.return?.(undefined);
  }
}
