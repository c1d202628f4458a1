import { UsageError } from '../errors';
import { type ResticSnapshot, parseSnapshots } from './json';
import { CALL_TIMEOUT_MS, type Restic, runChecked } from './restic';

/**
 * Our snapshots in the restic repository. Every push is tagged at backup time (restic's `tag`
 * rewrites a snapshot, which an append-only repository turns into a duplicate):
 *   avimark-backup          marks the snapshots this program made
 *   snapshot=<ID>           our snapshot ID (the folder name under DEST/snapshots)
 *   source=<path>           the live folder it was taken from (commas escaped as %2C: restic splits tags on commas)
 * and `--host` is the computer name.
 */
export const OUR_TAG = 'avimark-backup';
const SNAPSHOT_PREFIX = 'snapshot=';
const SOURCE_PREFIX = 'source=';

export function pushTags(snapshotId: string, source: string | null): string[] {
  const tags = [OUR_TAG, `${SNAPSHOT_PREFIX}${snapshotId}`];
  if (source) tags.push(`${SOURCE_PREFIX}${source.replace(/%/g, '%25').replace(/,/g, '%2C')}`);
  return tags;
}

export function snapshotIdOf(s: ResticSnapshot): string | null {
  const tag = s.tags.find((t) => t.startsWith(SNAPSHOT_PREFIX));
  return tag ? tag.slice(SNAPSHOT_PREFIX.length) : null;
}

export function sourceOf(s: ResticSnapshot): string | null {
  const tag = s.tags.find((t) => t.startsWith(SOURCE_PREFIX));
  return tag ? decodeURIComponent(tag.slice(SOURCE_PREFIX.length)) : null;
}

/** One line of `offsite list`: our ID ↔ restic's. */
export interface OffsiteEntry {
  snapshotId: string | null;
  resticSnapshotId: string;
  resticShortId: string;
  time: string;
  host: string;
  source: string | null;
}

export function toEntry(s: ResticSnapshot): OffsiteEntry {
  return {
    snapshotId: snapshotIdOf(s),
    resticSnapshotId: s.id,
    resticShortId: s.shortId,
    time: s.time,
    host: s.hostname,
    source: sourceOf(s),
  };
}

/** Our snapshots in the repository, oldest first (all hosts unless `host` is given). */
export async function listOurSnapshots(
  restic: Restic,
  filter: { host?: string; snapshotId?: string } = {},
): Promise<ResticSnapshot[]> {
  // `--tag a,b` means both tags.
  const tags = filter.snapshotId ? `${OUR_TAG},${SNAPSHOT_PREFIX}${filter.snapshotId}` : OUR_TAG;
  const args = ['snapshots', '--json', '--no-lock', '--tag', tags];
  if (filter.host) args.push('--host', filter.host);
  const out = await runChecked(restic, 'listing the offsite snapshots', { args, timeoutMs: CALL_TIMEOUT_MS });
  return parseSnapshots(out);
}

/**
 * The restic snapshot for `id`: "latest", one of our snapshot IDs (newest copy if pushed twice),
 * or a restic snapshot id (full or short). A UsageError lists what there is otherwise.
 */
export function findOffsiteSnapshot(all: ResticSnapshot[], id: string): ResticSnapshot {
  const found =
    id.toLowerCase() === 'latest'
      ? all.at(-1)
      : (all.filter((s) => snapshotIdOf(s) === id).at(-1) ??
        (/^[0-9a-f]{8,64}$/.test(id) ? all.find((s) => s.id.startsWith(id)) : undefined));
  if (found) return found;
  const known = all
    .map((s) => snapshotIdOf(s) ?? s.shortId)
    .slice(-5)
    .join(', ');
  throw new UsageError(
    all.length === 0 ? 'there are no offsite copies in the repository yet' : `no offsite copy of "${id}"`,
    all.length === 0
      ? 'run "avimark-backup offsite push" first'
      : `run "avimark-backup offsite list" (newest: ${known})`,
  );
}
