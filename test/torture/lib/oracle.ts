/**
 * The torture campaigns' independent oracle: a fresh walk of the disk with synchronous node:fs and our
 * own reading of the documented store layout (src/store/types.ts). No engine or store code is used, so
 * a bug there cannot hide itself.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readFileSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** path → "dir" | "link:<target>" | "<sha256>:<size>" | "other". */
export type TreeHash = Map<string, string>;

export function hashFile(abs: string): string {
  const hash = createHash('sha256');
  const fd = openSync(abs, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return `${hash.digest('hex')}:${size}`;
}

export function hashTree(root: string, options: { skip?: (rel: string) => boolean } = {}): TreeHash {
  const out: TreeHash = new Map();
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (options.skip?.(r)) continue;
      const a = path.join(abs, name);
      const st = lstatSync(a);
      if (st.isSymbolicLink()) out.set(r, `link:${readlinkSync(a)}`);
      else if (st.isDirectory()) {
        out.set(r, 'dir');
        walk(a, r);
      } else if (st.isFile()) out.set(r, hashFile(a));
      else out.set(r, 'other');
    }
  };
  walk(root, '');
  return out;
}

/** Differences between two tree hashes, as readable lines (empty = equal). */
export function diffTrees(expected: TreeHash, actual: TreeHash, limit = 10): string[] {
  const problems: string[] = [];
  for (const [p, h] of expected) {
    const a = actual.get(p);
    if (a === undefined) problems.push(`missing ${p}`);
    else if (a !== h) problems.push(`differs ${p} (expected ${h.slice(0, 20)}…, got ${a.slice(0, 20)}…)`);
  }
  for (const p of actual.keys()) if (!expected.has(p)) problems.push(`extra ${p}`);
  return problems.slice(0, limit);
}

interface RawManifestEntry {
  path: string;
  type: string;
  size: number;
  sha256: string | null;
  linkTarget?: string;
}

/** Our own reading of DEST/meta/<ID>/manifest.jsonl; null when absent. Throws when its header count is wrong. */
export function manifestClaims(dest: string, id: string): TreeHash | null {
  const file = path.join(dest, 'meta', id, 'manifest.jsonl');
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const header = JSON.parse(lines[0]) as { format: string; entries: number; snapshotId: string };
  if (header.format !== 'avimark-backup-manifest') throw new Error(`${file}: not a manifest`);
  if (header.entries !== lines.length - 1)
    throw new Error(`${file}: header says ${header.entries} entries, file has ${lines.length - 1}`);
  if (header.snapshotId !== id) throw new Error(`${file}: header names snapshot ${header.snapshotId}`);
  const out: TreeHash = new Map();
  for (const line of lines.slice(1)) {
    const e = JSON.parse(line) as RawManifestEntry;
    if (e.type === 'dir') out.set(e.path, 'dir');
    else if (e.type === 'symlink') out.set(e.path, `link:${e.linkTarget ?? ''}`);
    else out.set(e.path, `${e.sha256 ?? ''}:${e.size}`);
  }
  return out;
}

export function snapshotDirs(dest: string): string[] {
  const dir = path.join(dest, 'snapshots');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

export function inProgressIds(dest: string): string[] {
  const dir = path.join(dest, 'in-progress');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => !n.includes('.'))
        .sort()
    : [];
}

/**
 * Every invariant of a store that must hold at ANY moment, even right after kill -9:
 * each listed snapshot exists as a folder with a complete manifest, its content matches the manifest,
 * no in-progress id is listed, and every snapshot file is read-only.
 */
export function checkStore(dest: string, listedIds: string[]): string[] {
  const problems: string[] = [];
  const partials = new Set(inProgressIds(dest));
  for (const id of listedIds) {
    if (partials.has(id)) problems.push(`partial ${id} is listed as a snapshot`);
    const folder = path.join(dest, 'snapshots', id);
    if (!existsSync(folder)) {
      problems.push(`listed snapshot ${id} has no folder`);
      continue;
    }
    let claims: TreeHash | null;
    try {
      claims = manifestClaims(dest, id);
    } catch (err) {
      problems.push(`snapshot ${id}: ${(err as Error).message}`);
      continue;
    }
    if (!claims) {
      problems.push(`listed snapshot ${id} has no manifest`);
      continue;
    }
    for (const d of diffTrees(claims, hashTree(folder))) problems.push(`snapshot ${id}: ${d}`);
    for (const ro of writableFiles(folder)) problems.push(`snapshot ${id}: file is writable: ${ro}`);
  }
  return problems;
}

/** Files under root whose mode still has a write bit. */
export function writableFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs)) {
      const a = path.join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(a);
      if (st.isDirectory()) walk(a, r);
      else if (st.isFile() && (st.mode & 0o222) !== 0) out.push(r);
    }
  };
  walk(root, '');
  return out;
}

/** Inode of every regular file below root. */
export function inodes(root: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  if (!existsSync(root)) return out;
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs)) {
      const a = path.join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(a, { bigint: true });
      if (st.isDirectory()) walk(a, r);
      else if (st.isFile()) out.set(r, st.ino);
    }
  };
  walk(root, '');
  return out;
}
