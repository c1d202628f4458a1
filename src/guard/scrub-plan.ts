/**
 * The rolling scrub (like restic's `check --read-data-subset n/m`): each night's verification also
 * re-hashes a slice of the stored files, so that every file of every kept snapshot is re-read at least
 * once every `verify.scrubDays` days. A stored file is one inode: hard links share it across snapshots,
 * so it is read once however many snapshots hold it. Pure: the caller lists the kept snapshots' files
 * with their identity (lstat dev:ino) and passes the scrub state (./scrub-state.ts).
 *
 * Tonight's slice: every file that would be overdue by the next night, plus the least recently
 * verified files (never-verified first) until the slice holds 1/scrubDays of the stored bytes. In the
 * steady state that reads each file every scrubDays days; a store that has never been scrubbed is
 * covered in scrubDays nights rather than in one long night.
 */

export interface StoredFile {
  /** Identity of the stored copy: `${dev}:${ino}` (see storedFileKey). */
  key: string;
  /** Expected content (the manifest's). */
  sha256: string;
  size: number;
  /** One place that holds it (the first listed), to read it and to name it in the report. */
  snapshotId: string;
  path: string;
}

export interface ScrubMark {
  /** The content verified: a freed inode reused by a different file does not inherit the mark. */
  sha256: string;
  /** ISO time of the last successful re-hash. */
  verifiedAt: string;
}

export type ScrubState = ReadonlyMap<string, ScrubMark>;

export interface ScrubPlanInput {
  /** The kept snapshots' files; the same key listed more than once (hard links) counts once. */
  files: Iterable<StoredFile>;
  state: ScrubState;
  now: Date;
  scrubDays: number;
}

export interface ScrubCoverage {
  files: number;
  bytes: number;
  /** Files (and bytes) re-hashed within the last scrubDays days. */
  filesCovered: number;
  bytesCovered: number;
  /** 0-100, by bytes (100 for an empty store). */
  percent: number;
  /** The least recently verified file (never-verified ones first); null for an empty store. */
  oldest: { snapshotId: string; path: string; verifiedAt: string | null } | null;
}

export interface ScrubPlan {
  /** Tonight's files to re-hash, least recently verified first. */
  slice: StoredFile[];
  sliceBytes: number;
  /** Files in the slice because they would be overdue by the next night. */
  overdue: number;
  coverage: ScrubCoverage;
}

const DAY_MS = 86_400_000;

export { storedFileKey } from '../store/damage-registry';

/** The last verification time of `file` (ms), or null when never (or when the mark is for other content). */
export function lastVerified(file: StoredFile, state: ScrubState): number | null {
  const mark = state.get(file.key);
  if (mark === undefined || mark.sha256 !== file.sha256) return null;
  const t = Date.parse(mark.verifiedAt);
  return Number.isNaN(t) ? null : t;
}

export function uniqueStoredFiles(files: Iterable<StoredFile>): StoredFile[] {
  const byKey = new Map<string, StoredFile>();
  for (const f of files) if (!byKey.has(f.key)) byKey.set(f.key, f);
  return [...byKey.values()];
}

export function planScrub(input: ScrubPlanInput): ScrubPlan {
  const { state, now, scrubDays } = input;
  const files = uniqueStoredFiles(input.files);
  const ordered = files
    .map((file) => ({ file, at: lastVerified(file, state) }))
    .sort((a, b) => (a.at ?? -1) - (b.at ?? -1) || (a.file.key < b.file.key ? -1 : a.file.key > b.file.key ? 1 : 0));
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  const target = Math.ceil(totalBytes / scrubDays);
  // A file verified at `at` must be read again before at + scrubDays; tomorrow's run may be too late.
  const dueBefore = now.getTime() + DAY_MS - scrubDays * DAY_MS;
  const slice: StoredFile[] = [];
  let sliceBytes = 0;
  let overdue = 0;
  for (const { file, at } of ordered) {
    const isOverdue = at !== null && at <= dueBefore;
    // Empty files cost nothing to check: never left unverified.
    const free = file.size === 0 && (at === null || isOverdue);
    if (!isOverdue && !free && sliceBytes >= target && slice.length > 0) continue;
    if (isOverdue) overdue += 1;
    slice.push(file);
    sliceBytes += file.size;
  }
  return { slice, sliceBytes, overdue, coverage: scrubCoverage(files, state, now, scrubDays) };
}

/** How much of the store was re-hashed within the last scrubDays days (call again after tonight's scrub). */
export function scrubCoverage(
  filesIn: Iterable<StoredFile>,
  state: ScrubState,
  now: Date,
  scrubDays: number,
): ScrubCoverage {
  const files = uniqueStoredFiles(filesIn);
  const since = now.getTime() - scrubDays * DAY_MS;
  let bytes = 0;
  let filesCovered = 0;
  let bytesCovered = 0;
  let oldest: { file: StoredFile; at: number | null } | null = null;
  for (const file of files) {
    const at = lastVerified(file, state);
    bytes += file.size;
    if (at !== null && at > since) {
      filesCovered += 1;
      bytesCovered += file.size;
    }
    if (oldest === null || olderThan(at, oldest.at) || (at === oldest.at && file.key < oldest.file.key)) {
      oldest = { file, at };
    }
  }
  return {
    files: files.length,
    bytes,
    filesCovered,
    bytesCovered,
    percent: bytes === 0 ? (filesCovered === files.length ? 100 : 0) : Math.floor((bytesCovered / bytes) * 1000) / 10,
    oldest:
      oldest === null
        ? null
        : {
            snapshotId: oldest.file.snapshotId,
            path: oldest.file.path,
            verifiedAt: oldest.at === null ? null : new Date(oldest.at).toISOString(),
          },
  };
}

function olderThan(a: number | null, b: number | null): boolean {
  if (a === null) return b !== null;
  return b !== null && a < b;
}

/**
 * The state after a scrub (or any full re-hash, e.g. the verification of the files a backup copied):
 * files re-hashed with the expected content get `now`; damaged ones are not marked (the damage registry
 * records them). Marks of files no longer in any kept snapshot are dropped when `keep` is given.
 */
export function markScrubbed(
  state: ScrubState,
  verified: Iterable<{ key: string; sha256: string; ok: boolean }>,
  now: Date,
  keep?: ReadonlySet<string>,
): Map<string, ScrubMark> {
  const next = new Map<string, ScrubMark>();
  for (const [key, mark] of state) if (keep === undefined || keep.has(key)) next.set(key, mark);
  const verifiedAt = now.toISOString();
  for (const v of verified) {
    if (v.ok) next.set(v.key, { sha256: v.sha256, verifiedAt });
    else next.delete(v.key);
  }
  return next;
}
