import os from 'node:os';
import path from 'node:path';
import { LineBuffer } from '../fs/line-buffer';
import { METADATA_RETRY, withRetry } from '../fs/retry';
import type { FileSystem } from '../fs/types';
import { entryPathProblem } from '../store/entry-path';
import { comparePaths, readLines, shareAttributes } from '../store/manifest';
import type { ManifestEntry } from '../store/types';
import type { DoneRecord } from './plan';

/**
 * The paths a checkpoint journal says the partial holds, handed out in path order (`comparePaths`) with
 * bounded memory. The journal is in the order files finished, and a later record for a path supersedes an
 * earlier one, so replaying it needs every path at once: a resumed night of 1,000,000 files held a map of
 * 1,000,000 entries (~450 MB). Here the records are kept in memory up to SPILL_RECORDS paths; beyond that
 * each full batch is written, sorted, to a run file in a spill folder, and `sorted()` writes the last batch
 * as one more run and merges the runs path by path, the newest batch's record for a path winning. A removal
 * (`del`) is kept as a tombstone in its batch so that it hides the path's record in older runs. Memory: one
 * batch while replaying, then one record and one 16 KiB read buffer per run while merging.
 */

/** Paths held in memory before a batch is spilled (~400 bytes each: ~6 MB). */
export const SPILL_RECORDS = 16_384;
/**
 * Each run's read buffer while merging (61 runs at 1,000,000 paths: ~1 MB; 64 KiB buffers took ~4 MB, pooled
 * 1 MiB ones 61 MB).
 */
const RUN_READ_BYTES = 16 * 1024;

const TOMBSTONE = '-';
const HOWS: ReadonlySet<string> = new Set<DoneRecord['how']>(['copy', 'link', 'dir', 'symlink']);

/** A path's last word in one batch: its record, or null when it was removed again. */
type Held = DoneRecord | null;

export class HeldRecords {
  private batch = new Map<string, Held>();
  private readonly runs: string[] = [];
  private consumed = false;

  /**
   * `spill`: where run files go (the folder is created with the first one and removed with them); null:
   * never spill, everything stays in memory (a replay of lines already in memory).
   */
  constructor(
    private readonly spill: SpillPlace | null,
    private readonly limit = SPILL_RECORDS,
  ) {}

  set(record: DoneRecord): void {
    this.batch.set(record.entry.path, record);
  }

  delete(rel: string): void {
    // Within the first batch a removal needs no tombstone: nothing older can hold the path.
    if (this.runs.length === 0) this.batch.delete(rel);
    else this.batch.set(rel, null);
  }

  /** True when the batch is full and `spillBatch()` should be awaited before the next record. */
  get full(): boolean {
    return this.spill !== null && this.batch.size >= this.limit;
  }

  /** Run files written so far (0 while everything fits in memory). */
  get spilled(): number {
    return this.runs.length;
  }

  /** Writes the batch, sorted, as the next run file, and starts an empty one. */
  async spillBatch(): Promise<void> {
    if (this.spill === null || this.batch.size === 0) return;
    const { fs, dir } = this.spill;
    if (this.runs.length === 0) {
      await removeSpill(this.spill); // what an earlier process left (its runs would be overwritten anyway)
      await fs.mkdir(dir, { recursive: true });
    }
    const file = path.join(dir, `run-${this.runs.length}.list`);
    const handle = await fs.open(file, 'w');
    const lines = new LineBuffer(handle);
    try {
      for (const [rel, held] of sortedBatch(this.batch)) {
        lines.addLine(
          held === null ? `${TOMBSTONE} ${JSON.stringify(rel)}` : `${held.how} ${JSON.stringify(held.entry)}`,
        );
        await lines.room();
      }
      lines.flush();
      await lines.drained();
    } finally {
      await handle.close();
    }
    this.runs.push(file);
    this.batch = new Map();
  }

  /**
   * The paths held, in path order, each with its newest record (removed paths left out). Once only: the
   * batch is handed over and the run files are removed when the iteration ends or is returned.
   */
  async *sorted(): AsyncGenerator<DoneRecord> {
    if (this.consumed) throw new Error('held records: sorted() called twice');
    this.consumed = true;
    try {
      if (this.runs.length === 0) {
        const last = sortedBatch(this.batch);
        this.batch = new Map();
        for (const [, held] of last) if (held !== null) yield held;
        return;
      }
      // The last batch is spilled too: in memory, its records (up to SPILL_RECORDS, ~6 MB) would stay in the
      // old generation until the scan reached its paths, the end of the tree for a journal in scan order.
      await this.spillBatch();
      const fs = (this.spill as SpillPlace).fs;
      yield* mergeRuns(this.runs.map((file) => readRun(fs, file)));
    } finally {
      await this.dispose();
    }
  }

  /** Removes the run files (also when `sorted()` was never called). */
  async dispose(): Promise<void> {
    this.batch = new Map();
    if (this.spill !== null && this.runs.length > 0) await removeSpill(this.spill);
    this.runs.length = 0;
  }
}

/**
 * Removes a spill folder, retried like other state files (on Windows a scanner may hold a fresh file for a
 * moment). Best effort: a folder left behind is only read through `runs`, never listed, and goes with the
 * partial's state folder at commit (or stays in the temporary folder); it never fails a night.
 */
async function removeSpill(spill: SpillPlace): Promise<void> {
  await withRetry(() => spill.fs.rm(spill.dir, { recursive: true, force: true }), METADATA_RETRY).catch(
    () => undefined,
  );
}

/** A folder for run files and the file system it is on. */
export interface SpillPlace {
  fs: FileSystem;
  dir: string;
}

let tempSpills = 0;

/** A spill folder of its own under the system's temporary folder (for readers that must not write to the store). */
export function tempSpillPlace(fs: FileSystem): SpillPlace {
  tempSpills += 1;
  return { fs, dir: path.join(os.tmpdir(), `avimark-backup-replay-${process.pid}-${tempSpills}`) };
}

function sortedBatch(batch: Map<string, Held>): Array<[string, Held]> {
  return [...batch].sort((a, b) => comparePaths(a[0], b[0]));
}

/** A run file's items, checked as a sync list's are (and their order): an altered spill file goes no further. */
async function* readRun(fs: FileSystem, file: string): AsyncGenerator<[string, Held]> {
  let last: string | null = null;
  for await (const item of runItems(fs, file)) {
    if (last !== null && comparePaths(last, item[0]) >= 0) throw new Error(`${file}: "${item[0]}" out of path order`);
    last = item[0];
    yield item;
  }
}

async function* runItems(fs: FileSystem, file: string): AsyncGenerator<[string, Held]> {
  for await (const line of readLines(fs, file, RUN_READ_BYTES)) {
    const space = line.indexOf(' ');
    const how = line.slice(0, space);
    if (space < 0 || (how !== TOMBSTONE && !HOWS.has(how))) throw new Error(`${file}: not a replay run line`);
    const json = line.slice(space + 1);
    if (how === TOMBSTONE) {
      yield [checkedPath(JSON.parse(json), file), null];
      continue;
    }
    const entry = JSON.parse(json) as ManifestEntry;
    checkedPath(entry?.path, file);
    shareAttributes(entry);
    yield [entry.path, { how: how as DoneRecord['how'], entry }];
  }
}

function checkedPath(rel: unknown, file: string): string {
  const problem = entryPathProblem(rel);
  if (problem !== null) throw new Error(`${file}: the path ${JSON.stringify(rel)} ${problem}`);
  return rel as string;
}

interface Head {
  rank: number;
  item: [string, Held];
  source: AsyncGenerator<[string, Held]>;
}

/** Heads by path, then the newest batch first: the first of a path that comes out of the heap wins. */
const before = (a: Head, b: Head): boolean => {
  const order = comparePaths(a.item[0], b.item[0]);
  return order < 0 || (order === 0 && a.rank > b.rank);
};

/** A binary min-heap of the runs' heads (`before`). */
class HeadHeap {
  private readonly items: Head[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Head {
    return this.items[0];
  }

  push(head: Head): void {
    const items = this.items;
    items.push(head);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Head {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as Head;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l], items[m])) m = l;
        if (r < items.length && before(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Runs merged by path; for a path in several, the one ranked last (the newest batch) wins. */
async function* mergeRuns(sources: Array<AsyncGenerator<[string, Held]>>): AsyncGenerator<DoneRecord> {
  const heap = new HeadHeap();
  const advance = async (head: Head): Promise<void> => {
    const next = await head.source.next();
    if (next.done) return;
    head.item = next.value;
    heap.push(head);
  };
  try {
    for (const [rank, source] of sources.entries()) await advance({ rank, item: ['', null], source });
    while (heap.size > 0) {
      const winner = heap.pop();
      const [rel, held] = winner.item;
      await advance(winner);
      while (heap.size > 0 && heap.peek().item[0] === rel) await advance(heap.pop());
      if (held !== null) yield held;
    }
  } finally {
    for (const source of sources) await source.return(undefined);
  }
}
