import { RunFailedError, errnoCode, errorMessage } from '../errors';
import { joinRelative } from '../fs/join-relative';
import { removeIfExists } from '../fs/remove';
import {
  type DamageSet,
  DamageRegistryFormatError,
  damageRegistryPath,
  damageSet,
  mustCopyFresh,
  readDamageRegistry,
  storedFileKey,
} from '../store/damage-registry';
import { snapshotDir } from '../store/layout';
import type { ManifestEntry } from '../store/types';
import type { PartialSnapshot } from './partial';
import { hashFile } from './verify';

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

/** The damage registry, read once per run (per partial snapshot) the first time a file would be linked. */
const damageSets = new WeakMap<PartialSnapshot, Promise<DamageSet>>();

function damagedFiles(partial: PartialSnapshot): Promise<DamageSet> {
  let set = damageSets.get(partial);
  if (set === undefined) {
    const file = damageRegistryPath(partial.dest);
    set = readDamageRegistry(partial.fs, file).then(damageSet, (err: unknown) => {
      if (!(err instanceof DamageRegistryFormatError)) throw err;
      throw new RunFailedError(
        `the damage registry cannot be read: ${errorMessage(err)}`,
        `run "avimark-backup verify --all" to rebuild it after moving ${file} aside`,
      );
    });
    damageSets.set(partial, set);
  }
  return set;
}

/**
 * Whether the previous snapshot's stored copy may be linked (issue 14: damage never spreads): not when a
 * verification recorded it damaged (by place, or by identity when the registry knows identities), and
 * with --checksum (`checkContent`) only when its content still matches the manifest.
 */
async function trustedLinkTarget(
  partial: PartialSnapshot,
  prevId: string,
  rel: string,
  from: ManifestEntry,
  source: string,
  checkContent: boolean,
): Promise<boolean> {
  const damaged = await damagedFiles(partial);
  let bad = mustCopyFresh({ snapshotId: prevId, path: from.path }, damaged);
  if (!bad && damaged.keys.size > 0) {
    const st = await partial.fs.lstat(source, { bigint: true }).catch(() => null);
    bad = st !== null && mustCopyFresh({ snapshotId: prevId, path: from.path, key: storedFileKey(st) }, damaged);
  }
  if (bad) {
    partial.warnOnce(
      `damaged:${rel}`,
      `"${rel}" is recorded damaged in the store (snapshot ${prevId}); copied it fresh from the source`,
    );
    return false;
  }
  if (!checkContent) return true;
  const sha256 = await hashFile(partial.fs, source, from.size).catch(() => null);
  if (sha256 === from.sha256) return true;
  partial.warnOnce(
    `damaged:${rel}`,
    `"${rel}" in snapshot ${prevId} does not match its manifest (run "avimark-backup verify --repair"); copied it fresh from the source`,
  );
  return false;
}

/**
 * Hard-links the previous snapshot's copy of `from` at `dst`. False (with a warning, and the file noted in
 * `partial.linkFailed`) when it must be copied instead: no previous snapshot, the stored copy recorded
 * damaged (or, with `checkContent`, not matching the manifest), the file missing there, or a destination
 * that cannot link; other errors throw.
 */
export async function linkFromPrevious(
  partial: PartialSnapshot,
  rel: string,
  from: ManifestEntry,
  dst: string,
  options: { checkContent?: boolean } = {},
): Promise<boolean> {
  const prevId = partial.previousId;
  if (prevId === null) return false;
  const { fs } = partial;
  const source = joinRelative(snapshotDir(partial.dest, prevId), from.path);
  if (!(await trustedLinkTarget(partial, prevId, rel, from, source, options.checkContent ?? false))) {
    partial.linkFailed.add(rel);
    return false;
  }
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
  // No stat of the linked copy: "unchanged" is decided from the scan and the previous manifest alone
  // (issue 17; one system call less per file of a nightly run). A stored copy found damaged is kept out
  // by the damage registry above (issue 14): a stat only when the registry knows damaged identities.
  return true;
}
