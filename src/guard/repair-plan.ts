import { compareSnapshotIds } from '../store/layout';
import type { DamageLocation } from '../store/damage-registry';

/**
 * Planning `verify --repair`, pure. A damaged stored file (one inode) is linked from every snapshot that
 * shares it; healing writes one fresh copy from a good source, flushes it, and renames it over each of
 * those links (a new inode: the damaged one disappears with its last link; snapshots stay read-only).
 * A good source is, in order of preference: the live source file when its SHA-256 equals the expected
 * one, or another stored file with the same SHA-256 on a different inode that is not itself damaged.
 * The executor re-hashes what it copies and falls back to the next source when the hash differs.
 */

export interface DamagedFile {
  snapshotId: string;
  path: string;
  /** Expected content (the manifest's SHA-256). */
  sha256: string;
  size: number;
  /** `${dev}:${ino}` of the damaged stored file; null when it is missing (then only its own place is healed). */
  key: string | null;
}

/** A file of a kept snapshot (every one, with its identity): where to find links and good copies. */
export interface StoredLink {
  snapshotId: string;
  path: string;
  key: string;
  /** The manifest's SHA-256 for that place. */
  sha256: string;
}

export type GoodSource =
  | { kind: 'source'; path: string }
  | { kind: 'snapshot'; snapshotId: string; path: string; key: string };

export interface RepairGroup {
  /** The damaged inode (null: one missing file). */
  key: string | null;
  sha256: string;
  size: number;
  /** Every snapshot place to replace with the fresh copy, in snapshot then path order. */
  targets: DamageLocation[];
  /** Good sources in order of preference (empty when unrecoverable). */
  sources: GoodSource[];
}

export interface RepairPlan {
  heal: RepairGroup[];
  /** Damaged files no good copy exists for: reported, left as they are (exit 3). */
  unrecoverable: Array<RepairGroup & { reason: string }>;
}

export interface RepairInput {
  damaged: readonly DamagedFile[];
  /** Every file of every kept snapshot. */
  stored: Iterable<StoredLink>;
  /** SHA-256 of the live source file at a damaged path (hashed by the caller); absent when it is not there. */
  sourceHashes: ReadonlyMap<string, string>;
  /** Inodes known damaged beyond `damaged` (the damage registry's keys): never a good source. */
  knownDamagedKeys?: ReadonlySet<string>;
}

const placeId = (l: DamageLocation) => `${l.snapshotId}\u0000${l.path}`;

function compareLocations(a: DamageLocation, b: DamageLocation): number {
  if (a.snapshotId !== b.snapshotId) return compareSnapshotIds(a.snapshotId, b.snapshotId);
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function planRepair(input: RepairInput): RepairPlan {
  const groups = groupDamage(input.damaged);
  const badKeys = new Set<string>(input.knownDamagedKeys ?? []);
  for (const d of input.damaged) if (d.key !== null) badKeys.add(d.key);

  const linksByKey = new Map<string, DamageLocation[]>();
  const copiesByHash = new Map<string, StoredLink[]>();
  const wantedHashes = new Set(groups.map((g) => g.sha256));
  for (const link of input.stored) {
    if (badKeys.has(link.key)) {
      const list = linksByKey.get(link.key) ?? [];
      list.push({ snapshotId: link.snapshotId, path: link.path });
      linksByKey.set(link.key, list);
    } else if (wantedHashes.has(link.sha256)) {
      const list = copiesByHash.get(link.sha256) ?? [];
      list.push(link);
      copiesByHash.set(link.sha256, list);
    }
  }

  const plan: RepairPlan = { heal: [], unrecoverable: [] };
  for (const g of groups) {
    const targets = new Map<string, DamageLocation>();
    for (const t of g.targets) targets.set(placeId(t), t);
    if (g.key !== null) for (const l of linksByKey.get(g.key) ?? []) targets.set(placeId(l), l);
    const group: RepairGroup = {
      ...g,
      targets: [...targets.values()].sort(compareLocations),
      sources: goodSources(g, input.sourceHashes, copiesByHash.get(g.sha256) ?? []),
    };
    if (group.sources.length > 0) plan.heal.push(group);
    else plan.unrecoverable.push({ ...group, reason: unrecoverableReason(g, input.sourceHashes) });
  }
  return plan;
}

/** Damaged places grouped by inode (missing files each on their own), in order of their first place. */
function groupDamage(damaged: readonly DamagedFile[]): RepairGroup[] {
  const byKey = new Map<string, RepairGroup>();
  const groups: RepairGroup[] = [];
  for (const d of [...damaged].sort(compareLocations)) {
    const place = { snapshotId: d.snapshotId, path: d.path };
    const existing = d.key === null ? undefined : byKey.get(d.key);
    if (existing) {
      existing.targets.push(place);
      continue;
    }
    const group: RepairGroup = { key: d.key, sha256: d.sha256, size: d.size, targets: [place], sources: [] };
    if (d.key !== null) byKey.set(d.key, group);
    groups.push(group);
  }
  return groups;
}

function goodSources(
  group: RepairGroup,
  sourceHashes: ReadonlyMap<string, string>,
  copies: readonly StoredLink[],
): GoodSource[] {
  const sources: GoodSource[] = [];
  const livePaths = [...new Set(group.targets.map((t) => t.path))];
  for (const p of livePaths) if (sourceHashes.get(p) === group.sha256) sources.push({ kind: 'source', path: p });
  // One place per good inode is enough; newest snapshot first (its copy is the most recently written).
  const seen = new Set<string>();
  const ordered = [...copies].sort((a, b) => -compareLocations(a, b));
  for (const c of ordered) {
    if (seen.has(c.key) || c.key === group.key) continue;
    seen.add(c.key);
    sources.push({ kind: 'snapshot', snapshotId: c.snapshotId, path: c.path, key: c.key });
  }
  return sources;
}

function unrecoverableReason(group: RepairGroup, sourceHashes: ReadonlyMap<string, string>): string {
  const paths = [...new Set(group.targets.map((t) => t.path))];
  const live = paths.some((p) => sourceHashes.has(p));
  return live
    ? 'the live source file has changed since, and no other snapshot holds an intact copy'
    : 'the file is no longer in the source, and no other snapshot holds an intact copy';
}
