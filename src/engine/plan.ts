import { errnoCode } from '../errors';
import type { ManifestEntry, SnapshotId } from '../store/types';

/**
 * Pure decisions of the engine: what to do with one source file, given what the previous snapshot
 * recorded, what this (possibly resumed) snapshot already holds, and the file's current size and
 * modification time (read from the open handle).
 */

export interface SourceStat {
  size: number;
  /** Nanoseconds since the epoch, decimal string (full precision). */
  mtimeNs: string;
}

/** A path this snapshot already holds, as recorded in its checkpoint. */
export interface DoneRecord {
  how: 'copy' | 'link' | 'dir' | 'symlink';
  entry: ManifestEntry;
}

/** How far a large file's copy got before an interruption, with the source's stat at that time. */
export interface PartialProgress {
  offset: number;
  size: number;
  mtimeNs: string;
}

export type FileDecision =
  /** Already in this snapshot and the source has not changed since. */
  | { action: 'keep' }
  /** Unchanged since the previous snapshot: hard-link its file. */
  | { action: 'link'; from: ManifestEntry }
  /** --checksum: hash the source; same content as `candidate` → link, else copy. */
  | { action: 'hash-then-decide'; candidate: ManifestEntry }
  /** A large file whose interrupted copy can continue at `offset`. */
  | { action: 'resume'; offset: number }
  | { action: 'copy'; reason: 'new' | 'changed' };

export interface PlanFileInput {
  current: SourceStat;
  done?: DoneRecord;
  previous?: ManifestEntry;
  partial?: PartialProgress;
  checksum: boolean;
  largeFileBytes: number;
}

export function sameStat(a: SourceStat, b: SourceStat): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs;
}

export function planFile(input: PlanFileInput): FileDecision {
  const { current, done, previous, partial, checksum, largeFileBytes } = input;
  if (done && done.entry.type === 'file' && sameStat(done.entry, current)) return { action: 'keep' };
  const previousFile = previous && previous.type === 'file' && previous.sha256 ? previous : undefined;
  if (previousFile) {
    if (checksum) {
      if (previousFile.size === current.size) return { action: 'hash-then-decide', candidate: previousFile };
    } else if (sameStat(previousFile, current)) {
      return { action: 'link', from: previousFile };
    }
  }
  if (
    partial &&
    current.size >= largeFileBytes &&
    partial.offset > 0 &&
    partial.offset <= current.size &&
    sameStat(partial, current)
  ) {
    return { action: 'resume', offset: partial.offset };
  }
  return { action: 'copy', reason: previousFile ? 'changed' : 'new' };
}

/** After hashing for --checksum. */
export function decideAfterHash(candidate: ManifestEntry, sha256: string): FileDecision {
  return sha256 === candidate.sha256 ? { action: 'link', from: candidate } : { action: 'copy', reason: 'changed' };
}

/** A link that failed earlier in this run is not tried again: the file is copied instead. */
export function overrideMustCopy(decision: FileDecision, mustCopy: boolean): FileDecision {
  return mustCopy && decision.action === 'link' ? { action: 'copy', reason: 'changed' } : decision;
}

/** Size and modification time of an open file, as fstat gives them. */
export interface HandleStat {
  size: bigint;
  mtimeNs: bigint;
}

/**
 * The hash read for --checksum describes the file the decision saw: it did not move during the read
 * (same size and time before and after), nor between the decision's stat and the read.
 */
export function hashSettled(before: HandleStat, after: HandleStat, currentMtimeNs: string): boolean {
  return before.mtimeNs === after.mtimeNs && before.size === after.size && before.mtimeNs.toString() === currentMtimeNs;
}

/** After hashing for --checksum: link when the read settled and the content is the candidate's, else copy. */
export function decideAfterHashedRead(
  candidate: ManifestEntry,
  hashed: { sha256: string; before: HandleStat; after: HandleStat },
  currentMtimeNs: string,
): FileDecision {
  return hashSettled(hashed.before, hashed.after, currentMtimeNs)
    ? decideAfterHash(candidate, hashed.sha256)
    : { action: 'copy', reason: 'changed' };
}

/**
 * Where a resumed copy continues: at the checkpointed offset only when the partial still holds our own
 * copy there (a regular file with one link: never write into a file shared with an older snapshot);
 * otherwise from the start.
 */
export function resumeOffset(offset: number, dst: { isFile: boolean; nlink: number } | null): number {
  return dst?.isFile && dst.nlink === 1 ? offset : 0;
}

/** Which partial a run resumes (the newest) and which it leaves alone (older ones). */
export function choosePartial(partials: readonly SnapshotId[]): { resume: SnapshotId | null; leftAlone: SnapshotId[] } {
  return { resume: partials.at(-1) ?? null, leftAlone: partials.slice(0, -1) };
}

/**
 * A checkpoint that could not be reopened because it was never completely written (the run was killed
 * in its first instant): the partial is started over. Any other error is real and propagates.
 */
export function isUnwrittenCheckpoint(err: unknown): boolean {
  return errnoCode(err) === 'ENOENT' || err instanceof SyntaxError;
}

/** What the checkpoint says a path in the partial is (null: nothing should be there). */
export function expectedEntryType(done: DoneRecord | undefined): 'dir' | 'symlink' | 'file' | null {
  if (!done) return null;
  return done.how === 'dir' ? 'dir' : done.how === 'symlink' ? 'symlink' : 'file';
}

/** The order to remove paths the source no longer has in: deepest first (children before folders). */
export function planRemovals(gone: readonly string[]): string[] {
  return [...gone].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : a > b ? -1 : 0));
}

/** True when `rel` (a '/'-separated relative path) is excluded by one of `excludes` (a path or a folder prefix). */
export function isExcluded(rel: string, excludes: readonly string[], caseInsensitive: boolean): boolean {
  const norm = (s: string) => {
    const t = s
      .replace(/\\/g, '/')
      .replace(/^\.?\/+/, '')
      .replace(/\/+$/, '');
    return caseInsensitive ? t.toLowerCase() : t;
  };
  const p = norm(rel);
  return excludes.some((ex) => {
    const e = norm(ex);
    return e !== '' && (p === e || p.startsWith(`${e}/`));
  });
}
