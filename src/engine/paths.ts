import path from 'node:path';
import type { SourceFs } from '../fs/types';
import { localFs } from '../fs/local';
import { DestinationUnavailableError, UsageError, accessDenied, errnoCode } from '../errors';
import { METADATA_RETRY, type RetryHooks, type RetryPolicy, withRetry } from '../fs/retry';

export interface CheckedPaths {
  /** Absolute source folder (as given, resolved). */
  source: string;
  /** Absolute destination folder (as given, resolved; may not exist yet). */
  dest: string;
}

/** realpath of `p`, or of its nearest existing ancestor with the missing rest appended. */
async function realpathOfMaybeMissing(
  fs: SourceFs,
  p: string,
  realpath: (p: string) => Promise<string>,
  retry: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<string> {
  const missing: string[] = [];
  let current = p;
  for (;;) {
    try {
      await retry(() => fs.lstat(current));
      return path.join(await retry(() => realpath(current)), ...missing.reverse());
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      const parent = path.dirname(current);
      if (parent === current) return p;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Refuses a destination that is not there: neither the folder nor its parent exists (on Windows that
 * includes a drive letter or share that is not connected — the USB rotation disk left in a drawer, the
 * NAS down). Only the last folder is ever created by a backup, so a missing parent means the disk or
 * share is missing, not a first run.
 */
/** What stat says of a path on a disk that is not plugged in or a share whose server is down. */
const MISSING_VOLUME_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENODEV', 'ENXIO', 'EHOSTDOWN', 'EHOSTUNREACH', 'ENOTCONN']);

export async function checkDestinationAvailable(destIn: string, fs: Pick<SourceFs, 'stat'> = localFs): Promise<void> {
  const dest = path.resolve(destIn);
  const parent = path.dirname(dest);
  for (const candidate of parent === dest ? [dest] : [dest, parent]) {
    try {
      await fs.stat(candidate);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EACCES' || code === 'EPERM') throw accessDenied(err) ?? err;
      if (!MISSING_VOLUME_CODES.has(code ?? '')) throw err;
    }
  }
  throw new DestinationUnavailableError(dest, parent);
}

/** True unless checkDestinationAvailable refuses the destination as missing (status, list). */
export async function isDestinationAvailable(dest: string, fs: Pick<SourceFs, 'stat'> = localFs): Promise<boolean> {
  try {
    await checkDestinationAvailable(dest, fs);
    return true;
  } catch (err) {
    if (err instanceof DestinationUnavailableError) return false;
    throw err;
  }
}

function inside(inner: string, outer: string, caseInsensitive: boolean): boolean {
  const fold = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const rel = path.relative(fold(outer), fold(inner));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Refuses — before anything is created — a source that is missing or not a folder, a destination that is
 * not a folder, and any overlap of the two (same folder, one inside the other), comparing real paths so
 * symlinks and junctions cannot hide an overlap. Transient errors (EIO, EBUSY …) are retried like file reads.
 */
export async function checkSourceAndDest(
  sourceIn: string,
  destIn: string,
  options: {
    fs?: SourceFs;
    realpath?: (p: string) => Promise<string>;
    caseInsensitive?: boolean;
    retryPolicy?: RetryPolicy;
    retryHooks?: RetryHooks;
  } = {},
): Promise<CheckedPaths> {
  const policy = options.retryPolicy ?? METADATA_RETRY;
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, policy, options.retryHooks);
  const fs = options.fs ?? localFs;
  const realpath = options.realpath ?? (async (p: string) => (await import('node:fs/promises')).realpath(p));
  const caseInsensitive = options.caseInsensitive ?? (process.platform === 'win32' || process.platform === 'darwin');
  const source = path.resolve(sourceIn);
  const dest = path.resolve(destIn);
  let st;
  try {
    st = await retry(() => fs.stat(source));
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new UsageError(`the source folder ${source} does not exist`, 'check --source (or "source" in the config)');
    throw accessDenied(err) ?? new UsageError(`cannot read the source folder ${source}: ${code ?? String(err)}`);
  }
  if (!st.isDirectory()) throw new UsageError(`the source ${source} is not a folder`, 'give the AVImark data folder');
  await retry(() => checkDestinationAvailable(dest, fs));
  try {
    const d = await retry(() => fs.stat(dest));
    if (!d.isDirectory()) throw new UsageError(`the destination ${dest} exists and is not a folder`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (errnoCode(err) !== 'ENOENT')
      throw accessDenied(err) ?? new UsageError(`cannot use the destination ${dest}: ${errnoCode(err) ?? String(err)}`);
  }
  const realSource = await retry(() => realpath(source));
  const realDest = await realpathOfMaybeMissing(fs, dest, realpath, retry);
  const same =
    (caseInsensitive ? realSource.toLowerCase() : realSource) === (caseInsensitive ? realDest.toLowerCase() : realDest);
  if (same)
    throw new UsageError(
      `the source and the destination are the same folder (${realSource})`,
      'snapshots must go to another folder, ideally another disk',
    );
  if (inside(realDest, realSource, caseInsensitive)) {
    throw new UsageError(
      `the destination ${dest} is inside the source ${source}`,
      'snapshots would be backed up into themselves; choose a folder outside the source',
    );
  }
  if (inside(realSource, realDest, caseInsensitive)) {
    throw new UsageError(
      `the source ${source} is inside the destination ${dest}`,
      'choose a destination outside the AVImark folder',
    );
  }
  return { source, dest };
}
