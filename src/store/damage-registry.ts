import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode, RunFailedError } from '../errors';
import { writeFileAtomic } from '../fs/durable';
import type { FileSystem } from '../fs/types';
import { entryPathProblem } from './entry-path';
import { isSnapshotId, storeLayout } from './layout';
import { acquireLockFile } from './lock';

/**
 * The damage registry (DEST/meta/damaged.json, damageRegistryPath): every stored file a verification found damaged
 * (or missing) and that has not been healed yet. A hard-link store shares one copy of each unchanged
 * file across snapshots, so a damaged copy must never be linked into a new snapshot: the engine's link
 * decision asks `mustCopyFresh` and copies the file from the source instead. Records are matched by the
 * stored file's identity (dev:ino, shared by all its links) and by place (snapshot + path), so damage
 * found through one snapshot protects every snapshot linking the same file. `verify --repair` removes
 * what it healed; a later verification that reads the file intact removes it too. A record whose inode
 * was freed and reused only makes one file be copied instead of linked: the safe direction.
 */

/** DEST/meta/damaged.json (beside the per-snapshot meta folders; not a snapshot id, so listing passes it by). */
export function damageRegistryPath(dest: string): string {
  return path.join(storeLayout(dest).metaRoot, 'damaged.json');
}

/** Identity of a stored file, shared by all its hard links: `${dev}:${ino}` from a bigint lstat. */
export function storedFileKey(stat: { dev: bigint | number; ino: bigint | number }): string {
  return `${stat.dev}:${stat.ino}`;
}

export interface DamageLocation {
  snapshotId: string;
  path: string;
}

export interface DamageRecord {
  /** `${dev}:${ino}` of the damaged stored file; null when it could not be identified (missing). */
  key: string | null;
  /** The content the manifest expects (null for folders and links). */
  sha256: string | null;
  size: number;
  /** Where it was found damaged (more places are added as other snapshots' verifications find it). */
  locations: DamageLocation[];
  /** What verification saw, e.g. "content differs (SHA-256 …)". */
  detail: string;
  /** When it was first found (ISO). */
  foundAt: string;
}

export interface DamageRegistry {
  format: 'avimark-backup-damage';
  version: 1;
  records: DamageRecord[];
}

/** One damaged (or missing) file as a verification reports it. */
export interface DamageFinding {
  snapshotId: string;
  path: string;
  key: string | null;
  sha256: string | null;
  size: number;
  detail: string;
}

export function emptyRegistry(): DamageRegistry {
  return { format: 'avimark-backup-damage', version: 1, records: [] };
}

const locationId = (l: DamageLocation) => `${l.snapshotId}\u0000${l.path}`;

/** Adds findings; a finding for a known file (same key, or same place) adds its place to that record. */
export function recordDamage(registry: DamageRegistry, findings: Iterable<DamageFinding>, now: Date): DamageRegistry {
  const records = registry.records.map((r) => ({ ...r, locations: [...r.locations] }));
  for (const f of findings) {
    const place: DamageLocation = { snapshotId: f.snapshotId, path: f.path };
    const existing = records.find(
      (r) => (f.key !== null && r.key === f.key) || r.locations.some((l) => locationId(l) === locationId(place)),
    );
    if (existing === undefined) {
      records.push({
        key: f.key,
        sha256: f.sha256,
        size: f.size,
        locations: [place],
        detail: f.detail,
        foundAt: now.toISOString(),
      });
      continue;
    }
    if (!existing.locations.some((l) => locationId(l) === locationId(place))) existing.locations.push(place);
    if (existing.key === null && f.key !== null) existing.key = f.key;
    existing.detail = f.detail;
  }
  return { ...registry, records };
}

/**
 * Drops records that are healed or proven good: `healed` keys (the repaired files; their places now hold
 * a fresh copy) and `verifiedGood` (places re-read intact with this identity).
 */
export function clearDamage(
  registry: DamageRegistry,
  cleared: { healedKeys?: Iterable<string>; verifiedGood?: Iterable<DamageLocation & { key: string }> },
): DamageRegistry {
  const keys = new Set(cleared.healedKeys ?? []);
  const places = new Set<string>();
  for (const g of cleared.verifiedGood ?? []) {
    keys.add(g.key);
    places.add(locationId(g));
  }
  const records = registry.records.filter(
    (r) =>
      !(r.key !== null && keys.has(r.key)) && !(r.key === null && r.locations.some((l) => places.has(locationId(l)))),
  );
  return { ...registry, records };
}

/**
 * Forgets places in snapshots that no longer exist (pruned). A record keeps its identity while it has
 * one: the same stored file may still be linked from a kept snapshot that was never verified. A record
 * without identity and without places left is dropped.
 */
export function forgetSnapshots(registry: DamageRegistry, existing: ReadonlySet<string>): DamageRegistry {
  const records = registry.records
    .map((r) => ({ ...r, locations: r.locations.filter((l) => existing.has(l.snapshotId)) }))
    .filter((r) => r.key !== null || r.locations.length > 0);
  return { ...registry, records };
}

/** The registry as a lookup for the engine (built once per run). */
export interface DamageSet {
  readonly keys: ReadonlySet<string>;
  readonly places: ReadonlySet<string>;
  readonly size: number;
}

export function damageSet(registry: DamageRegistry): DamageSet {
  const keys = new Set<string>();
  const places = new Set<string>();
  for (const r of registry.records) {
    if (r.key !== null) keys.add(r.key);
    for (const l of r.locations) places.add(locationId(l));
  }
  return { keys, places, size: registry.records.length };
}

/**
 * True when the stored file a backup is about to link (snapshot + path, and its identity when known)
 * was recorded damaged: the backup must copy that file fresh from the source instead.
 */
export function mustCopyFresh(entry: DamageLocation & { key?: string | null }, damaged: DamageSet): boolean {
  if (damaged.size === 0) return false;
  if (entry.key != null && damaged.keys.has(entry.key)) return true;
  return damaged.places.has(locationId(entry));
}

function isRecord(v: unknown): v is DamageRecord {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    (o.key === null || typeof o.key === 'string') &&
    (o.sha256 === null || typeof o.sha256 === 'string') &&
    typeof o.size === 'number' &&
    typeof o.detail === 'string' &&
    typeof o.foundAt === 'string' &&
    Array.isArray(o.locations) &&
    o.locations.every(
      (l: unknown) =>
        typeof l === 'object' &&
        l !== null &&
        typeof (l as DamageLocation).snapshotId === 'string' &&
        isSnapshotId((l as DamageLocation).snapshotId) &&
        // Repair writes at this place: an altered registry must not lead it outside the snapshot.
        entryPathProblem((l as DamageLocation).path) === null,
    )
  );
}

export class DamageRegistryFormatError extends Error {}

/**
 * Parses the registry. Unlike the scrub state, a registry that does not parse is an error: silently
 * forgetting damage would let the next backup link a damaged file.
 */
export function parseDamageRegistry(text: string, file: string): DamageRegistry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DamageRegistryFormatError(`${file} is not valid JSON`);
  }
  const o = value as Partial<DamageRegistry> | null;
  if (o?.format !== 'avimark-backup-damage' || o.version !== 1 || !Array.isArray(o.records)) {
    throw new DamageRegistryFormatError(`${file} is not an avimark-backup damage registry`);
  }
  const bad = o.records.findIndex((r) => !isRecord(r));
  if (bad !== -1) throw new DamageRegistryFormatError(`${file}: record ${bad + 1} is malformed`);
  return { format: 'avimark-backup-damage', version: 1, records: o.records };
}

export async function readDamageRegistry(fs: Pick<FileSystem, 'readFile'>, file: string): Promise<DamageRegistry> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return emptyRegistry();
    throw err;
  }
  return parseDamageRegistry(text, file);
}

export async function writeDamageRegistry(
  fs: Pick<FileSystem, 'open' | 'rename' | 'rm' | 'mkdir'>,
  file: string,
  registry: DamageRegistry,
): Promise<void> {
  await writeFileAtomic(fs, file, `${JSON.stringify(registry, null, 2)}\n`, { createDir: true });
}

/** How long an update waits while another process updates the registry (an update takes milliseconds). */
const REGISTRY_LOCK_WAIT_MS = 30_000;

/**
 * Runs `work` holding DEST/meta/damaged.json.lock, so two updates (a hand-run verify beside the night's
 * verify and scrub, a repair) never read the same registry and write over each other's findings: a lost
 * finding would let damage be linked forward. Not the store lock, which a backup holds for hours.
 */
async function withRegistryLock<T>(fs: FileSystem, file: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + REGISTRY_LOCK_WAIT_MS;
  await fs.mkdir(path.dirname(file), { recursive: true });
  for (;;) {
    let lock: Awaited<ReturnType<typeof acquireLockFile>>;
    try {
      lock = await acquireLockFile(`${file}.lock`, { fs, purpose: 'damage registry update' });
    } catch (err) {
      if (!(err instanceof RunFailedError) || Date.now() >= deadline) throw err;
      await sleep(50);
      continue;
    }
    try {
      return await work();
    } finally {
      await lock.release();
    }
  }
}

/**
 * Read-modify-write of the store's registry after a verification, a scrub or a repair: adds `findings`,
 * drops what was `verifiedGood` or `healedKeys`. Nothing is written when nothing is or was recorded.
 * Updates are serialised across processes (withRegistryLock).
 */
export async function updateDamageRegistry(
  fs: FileSystem,
  dest: string,
  change: {
    findings?: readonly DamageFinding[];
    verifiedGood?: Iterable<DamageLocation & { key: string }>;
    healedKeys?: Iterable<string>;
  },
  now: Date,
): Promise<DamageRegistry> {
  const file = damageRegistryPath(dest);
  const findings = change.findings ?? [];
  const seen = await readDamageRegistry(fs, file);
  if (seen.records.length === 0 && findings.length === 0) return seen;
  return withRegistryLock(fs, file, async () => {
    const before = await readDamageRegistry(fs, file);
    if (before.records.length === 0 && findings.length === 0) return before;
    const cleared = clearDamage(before, { verifiedGood: change.verifiedGood, healedKeys: change.healedKeys });
    const after = recordDamage(cleared, findings, now);
    await writeDamageRegistry(fs, file, after);
    return after;
  });
}
