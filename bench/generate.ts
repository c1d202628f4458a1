import { closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { type ChurnOptions, type ChurnPlan, type ListedFile, planChurn } from './dataset/churn-plan';
import { ContentSource, setMtime } from './dataset/content';
import { planDataset } from './dataset/plan';
import { type DatasetProfile, DEFAULT_TOTAL_BYTES, type FileKind, MIB, type TreeOptions } from './dataset/profile';

/**
 * The benchmark data set: a folder shaped like a real AVImark server (tables, logs, AVImark.db$,
 * My Documents …), deterministic from a seed, at any scale; and `churn`, one simulated night of work.
 * Used by the bench, the demo and tests.
 */

export { DATASET_PROFILES, DEFAULT_TOTAL_BYTES, type DatasetProfile } from './dataset/profile';
export type { ChurnPlan, ListedFile } from './dataset/churn-plan';

export interface GenerateOptions {
  /** Folder to fill; created if missing. Must be empty (or missing) unless `overwrite`. */
  dir: string;
  /**
   * `avimark` (default): the reference clinic's size mix, documents and images as many small files;
   * `uniform`: the bench's first data set, sizes spread evenly (docs/bench.md).
   */
  profile?: DatasetProfile;
  /** Target size of the whole tree (default 2 GiB). */
  totalBytes?: number;
  seed?: number;
  /** Number of documents (default: about 6,000 per 2 GiB in `avimark`, 4,000 in `uniform`). */
  files?: number;
  /** Share of the total spent on documents (default 0.25). */
  documentsShare?: number;
  overwrite?: boolean;
}

export interface KindStats {
  files: number;
  bytes: number;
}

export interface GenerateStats {
  dir: string;
  profile: DatasetProfile;
  seed: number;
  files: number;
  dirs: number;
  bytes: number;
  largest: { path: string; size: number };
  byKind: Record<FileKind, KindStats>;
  seconds: number;
}

export const DEFAULT_SEED = 20261125;

/** Writes the tree. Same options → the same names, sizes, mtimes and bytes. */
export function generateAvimarkTree(options: GenerateOptions): GenerateStats {
  const started = process.hrtime.bigint();
  const seed = options.seed ?? DEFAULT_SEED;
  const profile = options.profile ?? 'avimark';
  const treeOptions: TreeOptions & { profile: DatasetProfile } = {
    profile,
    totalBytes: options.totalBytes ?? DEFAULT_TOTAL_BYTES,
    seed,
    ...(options.files !== undefined ? { files: options.files } : {}),
    ...(options.documentsShare !== undefined ? { documentsShare: options.documentsShare } : {}),
  };
  const plan = planDataset(treeOptions);
  if (existsSync(options.dir) && readdirSync(options.dir).length > 0 && !options.overwrite) {
    throw new Error(`${options.dir} is not empty (pass overwrite: true to write into it anyway)`);
  }
  mkdirSync(options.dir, { recursive: true });

  const source = new ContentSource(seed);
  const madeDirs = new Set<string>();
  const byKind = emptyKindStats();
  let largest = { path: '', size: -1 };
  let bytes = 0;
  for (const file of plan.files) {
    const target = path.join(options.dir, ...file.path.split('/'));
    const parent = path.dirname(target);
    if (!madeDirs.has(parent)) {
      mkdirSync(parent, { recursive: true });
      madeDirs.add(parent);
    }
    source.writeFile(target, file.path, file.size, file.mtimeMs, file.text);
    byKind[file.kind].files++;
    byKind[file.kind].bytes += file.size;
    bytes += file.size;
    if (file.size > largest.size) largest = { path: file.path, size: file.size };
  }
  for (const dir of plan.dirs) mkdirSync(path.join(options.dir, ...dir.split('/')), { recursive: true });

  return {
    dir: options.dir,
    profile,
    seed,
    files: plan.files.length,
    dirs: countDirs(options.dir),
    bytes,
    largest,
    byKind,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/**
 * The "many files" variant for the sweep and memory benchmarks: `files` small documents (about 2 KiB
 * each; 100,000 by default) around the usual tables, half the bytes in documents (~390 MiB at 100,000).
 */
export function manyFilesOptions(
  dir: string,
  seed = DEFAULT_SEED,
  files = 100_000,
  profile: DatasetProfile = 'avimark',
): GenerateOptions {
  return { dir, seed, profile, totalBytes: Math.max(4 * MIB, files * 4096), files, documentsShare: 0.5 };
}

export interface ChurnRunOptions extends ChurnOptions {
  dir: string;
  /** The mtime given to everything the night touches (default: now). */
  now?: Date;
}

export interface ChurnResult {
  modified: Array<{ path: string; bytesChanged: number }>;
  appended: Array<{ path: string; bytes: number }>;
  created: Array<{ path: string; size: number }>;
  deleted: string[];
  bytesWritten: number;
  plan: ChurnPlan;
}

/** Applies one simulated night to the tree at `dir` and says what changed. */
export function churn(options: ChurnRunOptions): ChurnResult {
  const listing = listTree(options.dir);
  const plan = planChurn(listing, options);
  const source = new ContentSource(options.seed);
  const mtimeMs = (options.now ?? new Date()).getTime();
  const night = options.night ?? 1;
  const abs = (rel: string): string => path.join(options.dir, ...rel.split('/'));
  const result: ChurnResult = { modified: [], appended: [], created: [], deleted: [], bytesWritten: 0, plan };

  for (const { path: rel, regions } of plan.rewrite) {
    const fd = openSync(abs(rel), 'r+');
    let changed = 0;
    try {
      regions.forEach((region, i) => {
        source.writeStream(fd, `${rel}@night${night}#${i}`, region.length, region.offset);
        changed += region.length;
      });
    } finally {
      closeSync(fd);
    }
    setMtime(abs(rel), mtimeMs);
    result.modified.push({ path: rel, bytesChanged: changed });
    result.bytesWritten += changed;
  }
  for (const { path: rel, bytes } of plan.append) {
    const fd = openSync(abs(rel), 'a');
    try {
      source.writeStream(fd, `${rel}@night${night}+`, bytes, null);
    } finally {
      closeSync(fd);
    }
    setMtime(abs(rel), mtimeMs);
    result.appended.push({ path: rel, bytes });
    result.bytesWritten += bytes;
  }
  for (const { path: rel, size } of plan.create) {
    source.writeFile(abs(rel), rel, size, mtimeMs);
    result.created.push({ path: rel, size });
    result.bytesWritten += size;
  }
  for (const rel of plan.delete) {
    unlinkSync(abs(rel));
    result.deleted.push(rel);
  }
  return result;
}

/** Every regular file under `dir`, relative with '/' separators, sorted by path. */
export function listTree(dir: string): ListedFile[] {
  const out: ListedFile[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const childAbs = path.join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(childAbs, childRel);
      else if (entry.isFile()) {
        const st = statSync(childAbs);
        out.push({ path: childRel, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  };
  walk(dir, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function countDirs(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) n += 1 + countDirs(path.join(dir, entry.name));
  }
  return n;
}

function emptyKindStats(): Record<FileKind, KindStats> {
  const zero = (): KindStats => ({ files: 0, bytes: 0 });
  return { table: zero(), log: zero(), document: zero(), program: zero(), database: zero(), config: zero() };
}
