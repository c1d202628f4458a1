import { createHash, randomInt } from 'node:crypto';
import path from 'node:path';
import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import { RunFailedError, errnoCode, errorMessage } from '../errors';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import { writeFileAtomic } from '../store/durable';
import { openManifest } from '../store/manifest';
import type { SnapshotRef } from '../store/snapshots';
import type { ManifestEntry, VerifyRecord } from '../store/types';

/**
 * Verifies a snapshot against its manifest: every listed path must be there with the right type
 * (and symlink target); every file chosen for checking is re-read and its size and SHA-256 compared;
 * anything in the snapshot folder the manifest does not list is "extra". Files are streamed through
 * the hash with a fixed buffer, so memory does not grow with file size; the manifest's path set is
 * held to find extras (a few MB for a large practice).
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
}

export interface VerifyResult {
  record: VerifyRecord;
  problems: VerifyProblem[];
  bytesChecked: number;
  /** Not damage, but worth fixing: e.g. snapshot files that lost their read-only protection. */
  warnings: string[];
}

const HASH_BUFFER_BYTES = 1 << 20;

export async function verifySnapshot(snapshot: SnapshotRef, options: VerifyOptions = {}): Promise<VerifyResult> {
  const fs = options.fs ?? localFs;
  const logger = (options.logger ?? silentLogger()).child({ component: 'verify', snapshotId: snapshot.id });
  const samplePercent = options.samplePercent ?? 100;
  const random = options.random ?? (() => randomInt(0, 1_000_000) / 1_000_000);
  const problems: VerifyProblem[] = [];
  let writable = 0;
  const listed = new Set<string>();
  let filesChecked = 0;
  let bytesChecked = 0;
  const buffer = Buffer.allocUnsafe(HASH_BUFFER_BYTES);

  const { entries } = await openManifest(fs, snapshot.manifestPath);
  for await (const entry of entries) {
    listed.add(entry.path);
    const full = path.join(snapshot.dir, ...entry.path.split('/'));
    let info;
    try {
      info = await fs.lstat(full);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') {
        problems.push({ kind: 'missing', path: entry.path, detail: `${entry.type} is not in the snapshot` });
        continue;
      }
      throw err;
    }
    const actualType = info.isSymbolicLink()
      ? 'symlink'
      : info.isDirectory()
        ? 'dir'
        : info.isFile()
          ? 'file'
          : 'special';
    if (actualType !== entry.type) {
      problems.push({ kind: 'damaged', path: entry.path, detail: `expected a ${entry.type}, found a ${actualType}` });
      continue;
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
      continue;
    }
    if (entry.type !== 'file') continue;
    if ((info.mode & 0o222) !== 0) writable += 1;
    if (info.size !== entry.size) {
      problems.push({ kind: 'damaged', path: entry.path, detail: `size ${info.size} bytes, expected ${entry.size}` });
      continue;
    }
    if (options.select && !options.select(entry)) continue;
    if (samplePercent < 100 && random() * 100 >= samplePercent) continue;
    let digest: string;
    try {
      digest = await hashFile(fs, full, buffer);
    } catch (err) {
      problems.push({ kind: 'damaged', path: entry.path, detail: `cannot be read: ${errorMessage(err)}` });
      continue;
    }
    filesChecked += 1;
    bytesChecked += entry.size;
    options.onProgress?.({ filesChecked, bytesChecked });
    if (digest !== entry.sha256) {
      problems.push({
        kind: 'damaged',
        path: entry.path,
        detail: `content differs (SHA-256 ${digest}, expected ${entry.sha256})`,
      });
    }
  }

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
    writable > 0
      ? [`${writable} file(s) in the snapshot are writable: a write through one would change every snapshot sharing it`]
      : [];

  const record: VerifyRecord = {
    snapshotId: snapshot.id,
    verifiedAt: (options.now?.() ?? new Date()).toISOString(),
    samplePercent,
    filesChecked,
    ok: problems.length === 0,
    missing: problems.filter((p) => p.kind === 'missing').map((p) => p.path),
    extra: problems.filter((p) => p.kind === 'extra').map((p) => p.path),
    damaged: problems.filter((p) => p.kind === 'damaged').map((p) => p.path),
  };
  if (options.writeRecord ?? true) {
    await writeFileAtomic(fs, path.join(snapshot.metaDir, 'verify.json'), `${JSON.stringify(record, null, 2)}\n`);
  }
  for (const p of problems) logger.warn({ path: p.path, kind: p.kind }, p.detail);
  for (const w of warnings) logger.warn(w);
  logger.info({ ok: record.ok, filesChecked, bytesChecked, problems: problems.length }, 'verified');
  return { record, problems, bytesChecked, warnings };
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

/** Lower-case hex SHA-256 of a file, read in chunks into `buffer`. */
export async function hashFile(
  fs: FileSystem,
  file: string,
  buffer: Buffer = Buffer.allocUnsafe(HASH_BUFFER_BYTES),
): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fs.open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** Every path below `root` ('/'-separated, relative), folders before their contents; symlinks are not followed. */
export async function* walkRelative(fs: FileSystem, root: string, rel = ''): AsyncGenerator<string> {
  const dir = rel === '' ? root : path.join(root, ...rel.split('/'));
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
