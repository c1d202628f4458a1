import { randomInt } from 'node:crypto';
import path from 'node:path';
import { joinRelative } from '../fs/join-relative';
import { isNearPath } from '../fs/near-path';
import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import { RunFailedError, accessDenied, errnoCode, errorMessage } from '../errors';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import { writeFileAtomic } from '../fs/durable';
import { forEachLimited } from '../fs/limited';
import { type DamageFinding, storedFileKey, updateDamageRegistry } from '../store/damage-registry';
import { openManifest } from '../store/manifest';
import type { SnapshotRef } from '../store/snapshots';
import type { ManifestEntry, VerifyRecord } from '../store/types';
import { COPY_BUFFER_BYTES, hashToEnd } from './copy-buffers';

/**
 * Verifies a snapshot against its manifest: every listed path must be there with the right type
 * (and symlink target); every file chosen for checking is re-read and its size and SHA-256 compared;
 * anything in the snapshot folder the manifest does not list is "extra". Files are streamed through
 * the hash with two pooled buffers (the next read runs while this thread hashes), `VERIFY_CONCURRENCY`
 * files at once, so memory does not grow with file size; the manifest's paths are held to find extras
 * and to report problems in manifest order (a few MB for a large practice).
 */

export type ProblemKind = 'missing' | 'extra' | 'damaged';

export interface VerifyProblem {
  kind: ProblemKind;
  path: string;
  detail: string;
}

export interface VerifyOptions {
  /** Percentage of files to re-hash (presence and type are always checked for every entry). Default 100. */
  samplePercent?: number;
  /** Restrict hashing to these entries (e.g. the files copied by this run); sampling applies on top. */
  select?: (entry: ManifestEntry) => boolean;
  /** Write DEST/meta/<ID>/verify.json (default true). */
  writeRecord?: boolean;
  fs?: FileSystem;
  logger?: Logger;
  now?: () => Date;
  /** Random number in [0, 1) for sampling (tests pass a seeded one). */
  random?: () => number;
  onProgress?: (progress: { filesChecked: number; bytesChecked: number }) => void;
  /** The store: when given, damaged files are recorded in (and intact ones cleared from) its damage registry. */
  dest?: string;
}

/** A file re-hashed by the verification, with its stored identity (for the scrub state and the registry). */
export interface HashedFile {
  path: string;
  key: string;
  sha256: string;
  ok: boolean;
}

export interface VerifyResult {
  record: VerifyRecord;
  problems: VerifyProblem[];
  bytesChecked: number;
  /** Not damage, but worth fixing: e.g. snapshot files that lost their read-only protection. */
  warnings: string[];
  /** Damaged or missing files, with identity (issue 14: the backup never links them again). */
  findings: DamageFinding[];
  /** Every file re-hashed, intact or not. */
  hashed: HashedFile[];
}

/** Files checked at once: their reads (and lstat, open, close) run in the thread pool while this thread hashes. */
export const VERIFY_CONCURRENCY = 4;

/** What checking the entries of one snapshot gathers. */
interface VerifyRun {
  fs: FileSystem;
  options: VerifyOptions;
  samplePercent: number;
  random: () => number;
  problems: VerifyProblem[];
  findings: DamageFinding[];
  hashed: HashedFile[];
  snapshotId: string;
  writable: number;
  filesChecked: number;
  bytesChecked: number;
}

function typeOf(info: { isSymbolicLink(): boolean; isDirectory(): boolean; isFile(): boolean }): string {
  if (info.isSymbolicLink()) return 'symlink';
  if (info.isDirectory()) return 'dir';
  return info.isFile() ? 'file' : 'special';
}

/**
 * Whether this entry's content is re-hashed (decided in manifest order, before the checks run at once, so a
 * seeded `random` picks the same files every time).
 */
function chosenForHashing(run: VerifyRun, entry: ManifestEntry): boolean {
  if (entry.type !== 'file') return false;
  if (run.options.select && !run.options.select(entry)) return false;
  return run.samplePercent >= 100 || run.random() * 100 < run.samplePercent;
}

/** Checks one manifest entry against the snapshot folder. */
async function checkEntry(run: VerifyRun, entry: ManifestEntry, full: string, hashIt: boolean): Promise<void> {
  const { fs, problems } = run;
  let info;
  try {
    info = await fs.lstat(full, { bigint: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') {
      problems.push({ kind: 'missing', path: entry.path, detail: `${entry.type} is not in the snapshot` });
      if (entry.type === 'file') addFinding(run, entry, null, `${entry.type} is not in the snapshot`);
      return;
    }
    throw err;
  }
  const actualType = typeOf(info);
  if (actualType !== entry.type) {
    problems.push({ kind: 'damaged', path: entry.path, detail: `expected a ${entry.type}, found a ${actualType}` });
    return;
  }
  if (entry.type === 'symlink') {
    const target = await fs.readlink(full).catch(() => null);
    if (entry.linkTarget !== undefined && target !== entry.linkTarget) {
      problems.push({
        kind: 'damaged',
        path: entry.path,
        detail: `link points to ${String(target)}, expected ${entry.linkTarget}`,
      });
    }
    return;
  }
  if (entry.type !== 'file') return;
  const key = storedFileKey(info);
  if ((Number(info.mode) & 0o222) !== 0) run.writable += 1;
  if (Number(info.size) !== entry.size) {
    const detail = `size ${info.size} bytes, expected ${entry.size}`;
    problems.push({ kind: 'damaged', path: entry.path, detail });
    addFinding(run, entry, key, detail);
    return;
  }
  if (hashIt) await checkContent(run, entry, full, key);
}

function addFinding(run: VerifyRun, entry: ManifestEntry, key: string | null, detail: string): void {
  run.findings.push({
    snapshotId: run.snapshotId,
    path: entry.path,
    key,
    sha256: entry.sha256 ?? null,
    size: entry.size,
    detail,
  });
}

async function checkContent(run: VerifyRun, entry: ManifestEntry, full: string, key: string): Promise<void> {
  let digest: string;
  try {
    digest = await hashFile(run.fs, full, entry.size);
  } catch (err) {
    const detail = `cannot be read: ${errorMessage(err)}`;
    run.problems.push({ kind: 'damaged', path: entry.path, detail });
    addFinding(run, entry, key, detail);
    return;
  }
  run.hashed.push({ path: entry.path, key, sha256: entry.sha256 ?? '', ok: digest === entry.sha256 });
  run.filesChecked += 1;
  run.bytesChecked += entry.size;
  run.options.onProgress?.({ filesChecked: run.filesChecked, bytesChecked: run.bytesChecked });
  if (digest !== entry.sha256) {
    const detail = `content differs (SHA-256 ${digest}, expected ${entry.sha256})`;
    run.problems.push({ kind: 'damaged', path: entry.path, detail });
    addFinding(run, entry, key, detail);
  }
}

export async function verifySnapshot(snapshot: SnapshotRef, options: VerifyOptions = {}): Promise<VerifyResult> {
  const fs = options.fs ?? localFs;
  const logger = (options.logger ?? silentLogger()).child({ component: 'verify', snapshotId: snapshot.id });
  const run: VerifyRun = {
    fs,
    options,
    samplePercent: options.samplePercent ?? 100,
    random: options.random ?? (() => randomInt(0, 1_000_000) / 1_000_000),
    problems: [],
    findings: [],
    hashed: [],
    snapshotId: snapshot.id,
    writable: 0,
    filesChecked: 0,
    bytesChecked: 0,
  };
  const { problems } = run;
  // Each listed path with its place in the manifest: extras are what it lacks, and problems found by the
  // checks running at once are reported in manifest order.
  const listed = new Map<string, number>();
  const { entries } = await openManifest(fs, snapshot.manifestPath);
  await forEachLimited(entries, VERIFY_CONCURRENCY, (entry) => {
    listed.set(entry.path, listed.size);
    const hashIt = chosenForHashing(run, entry);
    return checkEntry(run, entry, joinRelative(snapshot.dir, entry.path), hashIt);
  });
  inManifestOrder(run, listed);

  try {
    for await (const rel of walkRelative(fs, snapshot.dir)) {
      if (!listed.has(rel)) problems.push({ kind: 'extra', path: rel, detail: 'is not in the manifest' });
    }
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') await assertStillThere(fs, snapshot);
    throw err;
  }

  if (problems.length > 0) await assertStillThere(fs, snapshot);
  const warnings =
    run.writable > 0
      ? [
          `${run.writable} file(s) in the snapshot are writable: a write through one would change every snapshot sharing it`,
        ]
      : [];
  const { filesChecked, bytesChecked } = run;
  const record: VerifyRecord = {
    snapshotId: snapshot.id,
    verifiedAt: (options.now?.() ?? new Date()).toISOString(),
    samplePercent: run.samplePercent,
    filesChecked,
    ok: problems.length === 0,
    missing: problems.filter((p) => p.kind === 'missing').map((p) => p.path),
    extra: problems.filter((p) => p.kind === 'extra').map((p) => p.path),
    damaged: problems.filter((p) => p.kind === 'damaged').map((p) => p.path),
  };
  if (options.writeRecord ?? true) {
    // A read-only store (no write access, a write-protected disk) still gets its verdict: not recording it is a warning.
    const file = path.join(snapshot.metaDir, 'verify.json');
    await writeFileAtomic(fs, file, `${JSON.stringify(record, null, 2)}\n`).catch((err: unknown) => {
      const denied = accessDenied(err);
      if (!denied && errnoCode(err) !== 'EROFS') throw err;
      warnings.push(`the verdict could not be recorded in ${file}: ${denied ? denied.message : errorMessage(err)}`);
    });
  }
  if (options.dest !== undefined) {
    const verifiedGood = run.hashed.filter((h) => h.ok).map((h) => ({ snapshotId: snapshot.id, ...h }));
    const change = { findings: run.findings, verifiedGood };
    await updateDamageRegistry(fs, options.dest, change, options.now?.() ?? new Date()).catch((err: unknown) => {
      if (!accessDenied(err) && errnoCode(err) !== 'EROFS') throw err;
      warnings.push(`the damage registry could not be updated: ${errorMessage(err)}`);
    });
  }
  for (const p of problems) logger.warn({ path: p.path, kind: p.kind }, p.detail);
  for (const w of warnings) logger.warn(w);
  logger.info({ ok: record.ok, filesChecked, bytesChecked, problems: problems.length }, 'verified');
  return { record, problems, bytesChecked, warnings, findings: run.findings, hashed: run.hashed };
}

/**
 * A snapshot deleted by a prune running at the same time would look like "everything missing":
 * that is not damage, so it is reported as a failed run instead.
 */
async function assertStillThere(fs: FileSystem, snapshot: SnapshotRef): Promise<void> {
  const present = async (p: string) =>
    fs.lstat(p).then(
      () => true,
      () => false,
    );
  if (!(await present(snapshot.dir)) || !(await present(snapshot.manifestPath))) {
    throw new RunFailedError(
      `snapshot ${snapshot.id} was removed while it was being verified (by a prune?)`,
      'run "avimark-backup list" and verify one that exists',
    );
  }
}

/** Problems, findings and hashed files sorted by their entry's place in the manifest (extras last, as walked). */
function inManifestOrder(run: VerifyRun, listed: ReadonlyMap<string, number>): void {
  const place = (p: { path: string }): number => listed.get(p.path) ?? Number.POSITIVE_INFINITY;
  const byPlace = (a: { path: string }, b: { path: string }): number => place(a) - place(b);
  run.problems.sort(byPlace);
  run.findings.sort(byPlace);
  run.hashed.sort(byPlace);
}

/**
 * Lower-case hex SHA-256 of a file, read to its real end (hashToEnd); a file `expectedSize` gives as smaller
 * than one buffer through synchronous reads, unless it is on a network share (../fs/near-path.ts).
 */
export async function hashFile(fs: FileSystem, file: string, expectedSize?: number): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const small = expectedSize !== undefined && expectedSize < COPY_BUFFER_BYTES && isNearPath(file);
    return (await hashToEnd(handle, small)).sha256;
  } finally {
    await handle.close();
  }
}

/** Every path below `root` ('/'-separated, relative), folders before their contents; symlinks are not followed. */
export async function* walkRelative(fs: FileSystem, root: string, rel = ''): AsyncGenerator<string> {
  const dir = rel === '' ? root : joinRelative(root, rel);
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
    yield childRel;
    if (entry.isDirectory()) yield* walkRelative(fs, root, childRel);
  }
}

/** Reads DEST/meta/<ID>/verify.json, or null when the snapshot was never verified. */
export async function readVerifyRecord(snapshot: SnapshotRef, fs: FileSystem = localFs): Promise<VerifyRecord | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(snapshot.metaDir, 'verify.json'), 'utf8')) as VerifyRecord;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) return null;
    throw err;
  }
}
