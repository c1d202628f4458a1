import path from 'node:path';

/** A segment `path.join` would change: empty (`//`, leading or trailing `/`, or `rel === ''`), `.` or `..`. */
const UNCLEAN = /(?:^|\/)(?:\.{1,2})?(?:\/|$)/;

/** True when every '/'-separated segment of `rel` is a plain name: none empty, `.` or `..`. */
export function hasOnlyPlainSegments(rel: string): boolean {
  return !UNCLEAN.test(rel);
}

/**
 * Folders recently found absolute and normalised, per path API. A sweep joins each file's name to three
 * folders in turn (the source folder, the partial and the previous snapshot), so one remembered folder
 * would miss every time; the set is emptied when it reaches `CLEAN_DIRS_KEPT`.
 */
const cleanDirs = new WeakMap<path.PlatformPath, Set<string>>();
const CLEAN_DIRS_KEPT = 64;

function isCleanAbsolute(dir: string, pathApi: path.PlatformPath): boolean {
  let known = cleanDirs.get(pathApi);
  if (known?.has(dir)) return true;
  if (!pathApi.isAbsolute(dir) || pathApi.normalize(dir) !== dir) return false;
  if (known === undefined) {
    known = new Set();
    cleanDirs.set(pathApi, known);
  }
  if (known.size >= CLEAN_DIRS_KEPT) known.clear();
  known.add(dir);
  return true;
}

/**
 * `path.join(dir, ...rel.split('/'))` for a '/'-separated relative path (a manifest's or the scan's),
 * without `path.join`'s normalising pass when there is nothing to normalise: the engine joins one
 * destination path per file, and on a no-change sweep of 100,000 files `path.join` was ~5 % of the
 * main thread. A `rel` with an empty, `.` or `..` segment (or a `\` on Windows), `rel === ''` (the folder
 * itself) and a `dir` that is relative (`.`, `D:`) or not normalised (`C:/AVImark`) take `path.join`, so the result is always
 * exactly what `path.join` gives.
 */
export function joinRelative(dir: string, rel: string, pathApi: path.PlatformPath = path): string {
  if (!hasOnlyPlainSegments(rel) || (pathApi.sep === '\\' && rel.includes('\\')) || !isCleanAbsolute(dir, pathApi))
    return pathApi.join(dir, ...rel.split('/'));
  const tail = pathApi.sep === '/' ? rel : rel.replaceAll('/', '\\');
  return dir.endsWith(pathApi.sep) ? dir + tail : dir + pathApi.sep + tail;
}
