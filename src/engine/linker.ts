import path from 'node:path';
import { errnoCode } from '../errors';
import { removeIfExists } from '../fs/remove';
import { snapshotDir } from '../store/layout';
import type { ManifestEntry } from '../store/types';
import type { PartialSnapshot } from './partial';

/** Link errors that mean "this destination cannot hard-link here": fall back to copying. */
const LINK_FALLBACK_CODES = new Set([
  'EXDEV',
  'EPERM',
  'EMLINK',
  'UNKNOWN',
  'ENOTSUP',
  'EOPNOTSUPP',
  'ENOSYS',
  'EACCES',
]);

/**
 * Hard-links the previous snapshot's copy of `from` at `dst`. False (with a warning, and the file noted in
 * `partial.linkFailed`) when it must be copied instead: no previous snapshot, the file missing or damaged
 * there, or a destination that cannot link; other errors throw.
 */
export async function linkFromPrevious(
  partial: PartialSnapshot,
  rel: string,
  from: ManifestEntry,
  dst: string,
): Promise<boolean> {
  const prevId = partial.previousId;
  if (prevId === null) return false;
  const { fs } = partial;
  const source = path.join(snapshotDir(partial.dest, prevId), ...from.path.split('/'));
  try {
    try {
      await fs.link(source, dst);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      // A leftover of an interrupted run (or of the previous sync) holds the name: replace it.
      await removeIfExists(fs, dst);
      await fs.link(source, dst);
    }
  } catch (err) {
    partial.linkFailed.add(rel);
    const code = errnoCode(err) ?? 'UNKNOWN';
    if (code === 'ENOENT') {
      partial.warnOnce(`missing:${rel}`, `"${rel}" was missing from snapshot ${prevId}; copied it instead`);
      return false;
    }
    if (LINK_FALLBACK_CODES.has(code)) {
      partial.warnOnce(
        'link-fallback',
        `hard links failed on the destination (${code}, first: "${rel}"); unchanged files were copied instead, which uses more space`,
      );
      return false;
    }
    throw err;
  }
  // Never propagate a damaged older copy: the linked file must still have the size the manifest says.
  const st = await fs.lstat(dst);
  if (st.size !== from.size) {
    partial.linkFailed.add(rel);
    await fs.unlink(dst);
    partial.warnOnce(
      `damaged:${rel}`,
      `"${rel}" in snapshot ${prevId} has the wrong size (run verify); copied it instead`,
    );
    return false;
  }
  return true;
}
