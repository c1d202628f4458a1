import type { FileSystem } from '../fs/types';
import { errnoCode } from '../errors';
import { entryPathProblem } from '../store/entry-path';
import { readLines } from '../store/manifest';
import type { ManifestEntry } from '../store/types';
import { HeldRecords, type SpillPlace } from './held-records';
import type { DoneRecord, PartialProgress } from './plan';

/**
 * Replaying a checkpoint journal (its format: ./checkpoint.ts): the records in the order written, a later
 * one superseding an earlier one for the same path, the paths held handed out in path order
 * (./held-records.ts), the large files' progress, and where the intact prefix ends.
 */

export type JournalRecord =
  | { t: 'done'; how: DoneRecord['how']; e: ManifestEntry }
  | { t: 'del'; p: string }
  | { t: 'part'; p: string; off: number; size: number; mtimeNs: string };

export interface ReplayedJournal {
  /** The paths the partial holds, handed out in path order (spilled to run files when many: ./held-records.ts). */
  done: HeldRecords;
  partials: Map<string, PartialProgress>;
  /** Byte length of the intact prefix (everything up to the last complete line). */
  validBytes: number;
  tornTail: boolean;
  /** The line (1-based) of a record this process could not have written, where the replay stopped; else null. */
  refusedLine: number | null;
}

function isSafeRecord(record: unknown): record is JournalRecord {
  if (typeof record !== 'object' || record === null) return false;
  const r = record as Partial<Record<'t' | 'p', unknown>> & { e?: { path?: unknown } };
  if (r.t === 'done') return typeof r.e === 'object' && r.e !== null && entryPathProblem(r.e.path) === null;
  return (r.t === 'del' || r.t === 'part') && entryPathProblem(r.p) === null;
}

/** The replay, one line at a time (pure). */
class JournalReplay {
  readonly done: HeldRecords;
  private readonly partials = new Map<string, PartialProgress>();
  private validBytes = 0;
  private tornTail = false;
  private refusedLine: number | null = null;
  private n = 0;

  constructor(spill: SpillPlace | null) {
    this.done = new HeldRecords(spill);
  }

  /** Applies one line; false when the replay stops there (that line and every later one are not trusted). */
  add(line: string): boolean {
    this.n += 1;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      this.tornTail = true;
      return false;
    }
    // A record this process could not have written (an altered or damaged journal in the store) ends the
    // replay like a torn tail: nothing after it is trusted (it is redone), and its path is never acted on.
    if (!isSafeRecord(record)) {
      this.tornTail = true;
      this.refusedLine = this.n;
      return false;
    }
    this.validBytes += Buffer.byteLength(line) + 1;
    if (record.t === 'done') {
      this.done.set({ how: record.how, entry: record.e });
      this.partials.delete(record.e.path);
    } else if (record.t === 'del') {
      this.done.delete(record.p);
      this.partials.delete(record.p);
    } else if (record.t === 'part') {
      this.partials.set(record.p, { offset: record.off, size: record.size, mtimeNs: record.mtimeNs });
    }
    return true;
  }

  result(): ReplayedJournal {
    const { done, partials, validBytes, tornTail, refusedLine } = this;
    return { done, partials, validBytes, tornTail, refusedLine };
  }
}

/**
 * Pure replay of journal lines (each without its '\n'). Stops at the first line that does not parse, or
 * that is not a record with a safe path (see store/entry-path.ts).
 */
export function replayJournal(lines: Iterable<string>): ReplayedJournal {
  const replay = new JournalReplay(null);
  for (const line of lines) if (!replay.add(line)) break;
  return replay.result();
}

/**
 * Replays a journal file read as a stream (one line in memory, never the whole text); null when there is
 * none. Only lines ended by '\n' count: the piece after the last one is nothing or a torn line. `bytes`:
 * the file's length (more than `validBytes` when there is something to cut off). `spill`: where the held
 * paths go beyond what memory keeps (./held-records.ts); the caller disposes of `done`.
 */
export async function replayJournalFile(
  fs: FileSystem,
  file: string,
  spill: SpillPlace | null,
): Promise<(ReplayedJournal & { bytes: number }) | null> {
  let bytes: number;
  try {
    bytes = (await fs.stat(file)).size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
  const replay = new JournalReplay(spill);
  try {
    let read = 0;
    for await (const line of readLines(fs, file)) {
      read += Buffer.byteLength(line) + 1;
      if (read > bytes || !replay.add(line)) break; // past the end: the last piece had no '\n'
      if (replay.done.full) await replay.done.spillBatch();
    }
  } catch (err) {
    await replay.done.dispose();
    throw err;
  }
  return { ...replay.result(), bytes };
}
