import path from 'node:path';
import { AVIMARK_DOCUMENT_KINDS, avimarkDocumentFolder } from './avimark-profile';
import { detectProfile } from './plan';
import {
  BUSY_TABLES,
  type DatasetProfile,
  DEFAULT_TOTAL_BYTES,
  DOCUMENT_KINDS,
  DOCUMENT_NAME,
  type DocumentNaming,
  documentFileName,
  recordBytesOf,
} from './profile';
import { Random, deriveSeed } from './random';

/** One file as found on disk. */
export interface ListedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface Region {
  offset: number;
  length: number;
}

/** What one simulated night does to the tree; pure data, applied by `applyChurn`. */
export interface ChurnPlan {
  /** Records rewritten in place: same size, new bytes, new mtime. */
  rewrite: Array<{ path: string; regions: Region[] }>;
  /** Bytes added at the end (the current log and its WP companion). */
  append: Array<{ path: string; bytes: number }>;
  create: Array<{ path: string; size: number }>;
  delete: string[];
}

export interface ChurnOptions {
  seed: number;
  /** Which night this is (1, 2, …): each night changes different records. Default 1. */
  night?: number;
  /** Multiplier on the default amounts (1 = about 2 GiB worth of activity). Default: from the tree's size. */
  scale?: number;
  /** The tree's profile (where new documents go); default: recognised from the listing. */
  profile?: DatasetProfile;
}

/** Plans one night of AVImark activity against a listing of the tree (sorted by path). */
export function planChurn(listing: readonly ListedFile[], options: ChurnOptions): ChurnPlan {
  const night = options.night ?? 1;
  const rng = new Random(deriveSeed(options.seed, `churn-night-${night}`));
  const totalBytes = listing.reduce((sum, f) => sum + f.size, 0);
  const scale = options.scale ?? totalBytes / DEFAULT_TOTAL_BYTES;
  const byPath = new Map(listing.map((f) => [f.path, f]));

  const rewrite: ChurnPlan['rewrite'] = [];
  for (const name of [...BUSY_TABLES.map((t) => `${t}.V2$`), 'AVImark.db$']) {
    const file = byPath.get(name);
    if (!file || file.size === 0) continue;
    const record = name === 'AVImark.db$' ? 4096 : recordBytesOf(name);
    const records = Math.max(1, Math.floor(file.size / record));
    const regions: Region[] = [];
    const count = rng.int(1, 8);
    for (let i = 0; i < count; i++) {
      const first = rng.int(0, records - 1);
      const length = Math.min(rng.int(1, 16), records - first) * record;
      regions.push({ offset: first * record, length: Math.min(length, file.size - first * record) });
    }
    rewrite.push({ path: name, regions: mergeRegions(regions) });
  }

  const append: ChurnPlan['append'] = [];
  const logs = listing.filter((f) => /^LOG\d{3}\.V2\$$/.test(f.path)).map((f) => f.path);
  const currentLog = logs[logs.length - 1];
  if (currentLog) {
    const bytes = Math.max(4096, Math.round(4 * 1024 * 1024 * scale * (0.5 + rng.float())));
    append.push({ path: currentLog, bytes });
    const wp = currentLog.replace(/\.V2\$$/, 'WP.V2$');
    if (byPath.has(wp)) append.push({ path: wp, bytes: Math.max(256, Math.round(bytes * 0.02)) });
  }

  const documents = listing.filter((f) => f.path.includes('/') && DOCUMENT_NAME.test(path.posix.basename(f.path)));
  const profile = options.profile ?? detectProfile(listing.map((f) => f.path));
  const nextNumber =
    documents.reduce((max, f) => Math.max(max, Number(DOCUMENT_NAME.exec(path.posix.basename(f.path))?.[1] ?? 0)), 0) +
    1;
  const create: ChurnPlan['create'] = [];
  const newCount = Math.max(3, Math.round(300 * scale));
  for (let i = 0; i < newCount; i++) {
    const [folder, naming] = newDocumentFolder(profile, rng);
    // New documents look like the old ones: sizes drawn from the existing ones.
    const like = documents.length > 0 ? rng.pick(documents).size : 20_000;
    const size = Math.max(128, Math.round(like * (0.5 + rng.float())));
    create.push({ path: `${folder}/${documentFileName(naming, nextNumber + i, rng)}`, size });
  }

  const deleteCount = Math.max(1, Math.round(10 * scale));
  const doomed = rng
    .sample(documents, deleteCount)
    .map((f) => f.path)
    .sort();

  return { rewrite, append, create, delete: doomed };
}

/** Where tonight's new document goes (this month's folder of a kind picked at random), and its naming. */
function newDocumentFolder(profile: DatasetProfile, rng: Random): [string, DocumentNaming] {
  if (profile === 'avimark') {
    const kind = rng.pick(AVIMARK_DOCUMENT_KINDS);
    return [avimarkDocumentFolder(kind, 2026, 11), kind];
  }
  const kind = rng.pick(DOCUMENT_KINDS);
  return [`My Documents/${kind.folder}/2026/11`, kind];
}

/** Sorts regions and merges overlapping ones, so "bytes changed" is counted once. */
export function mergeRegions(regions: readonly Region[]): Region[] {
  const sorted = regions.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
  const merged: Region[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.offset <= last.offset + last.length) {
      last.length = Math.max(last.length, r.offset + r.length - last.offset);
    } else {
      merged.push({ ...r });
    }
  }
  return merged;
}
