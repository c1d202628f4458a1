import path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { removeIfExists } from '../fs/remove';
import { METADATA_RETRY, withRetry } from '../fs/retry';
import type { FileSystem } from '../fs/types';
import { LineBuffer } from '../fs/line-buffer';
import { entryPathProblem } from '../store/entry-path';
import { comparePaths, readLines, shareAttributes } from '../store/manifest';
import type { ManifestEntry } from '../store/types';
import { type Tally, countInto } from './entries';
import type { DoneRecord } from './plan';

/**
 * What a sync leaves in the partial, as a list in path order: `sync-N.list` in the partial's state folder,
 * one path a line: how it got there (`copy`, `link`, `dir`, `symlink`), a space, and its manifest line
 * (the entry's JSON, as the manifest has it). The next sync of
 * the same process looks the partial's paths up in it beside its scan (./held.ts), and the commit writes
 * the manifest from the last one, so no map of every path is held. It is not a crash record (the journal
 * is): a process that resumes a partial replays the journal and removes the lists it finds.
 *
 * Files finish out of order (a large copy beside thousands of links), so the writer is a reorder buffer:
 * each path gets its slot when the scan meets it, and lines leave in slot order once every earlier slot
 * is settled. `room()` holds the scan back while more than LIST_AHEAD slots wait.
 */

/**
 * Slots waiting behind the oldest unsettled one before the scan is held back: a few MiB of entries, so
 * the small files after a large table's copy go on for a while (~400 bytes a slot).
 */
export const LIST_AHEAD = 16384;

/** A finished list: its file, how many entries it has, and what the commit needs without reading it. */
export interface SyncList {
  file: string;
  entries: number;
  tally: Tally;
  /** The folders' entries (the commit sets their times), in path order. */
  dirs: ManifestEntry[];
}

interface Slot {
  settled: boolean;
  record: DoneRecord | undefined;
}

const LIST_PREFIX = 'sync-';
const LIST_SUFFIX = '.list';

export function syncListPath(stateDir: string, n: number): string {
  return path.join(stateDir, `${LIST_PREFIX}${n}${LIST_SUFFIX}`);
}

/**
 * Removes the lists an earlier process left in `stateDir` (they describe a sync this process did not see).
 * Retried like other state files: on Windows a scanner may hold a fresh file for a moment.
 */
export async function removeStaleLists(fs: FileSystem, stateDir: string): Promise<void> {
  const names = await fs.readdir(stateDir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(LIST_PREFIX) || !name.endsWith(LIST_SUFFIX)) continue;
    await withRetry(() => removeIfExists(fs, path.join(stateDir, name)), METADATA_RETRY);
  }
}

export class SyncListWriter {
  private readonly slots: Array<Slot | undefined> = [];
  private head = 0;
  private readonly lines: LineBuffer;
  private failure: unknown = null;
  private waiter: (() => void) | null = null;
  private lastPath: string | null = null;
  private count = 0;
  private readonly counts: Tally = { filesTotal: 0, bytesTotal: 0, filesLinked: 0, filesCopied: 0 };
  private readonly dirs: ManifestEntry[] = [];

  private constructor(
    private readonly fs: FileSystem,
    readonly file: string,
    private readonly handle: FileHandle,
  ) {
    this.lines = new LineBuffer(handle);
  }

  static async create(fs: FileSystem, file: string): Promise<SyncListWriter> {
    return new SyncListWriter(fs, file, await withRetry(() => fs.open(file, 'w'), METADATA_RETRY));
  }

  /** The next path's outcome, settled now (`undefined`: the partial does not hold it). */
  addNow(record: DoneRecord | undefined): void {
    this.slots.push({ settled: true, record });
    this.pump();
  }

  /** The next path's outcome, once `task` settles (a rejection is kept and thrown by `finish`). */
  add(task: Promise<DoneRecord | undefined>): void {
    const slot: Slot = { settled: false, record: undefined };
    this.slots.push(slot);
    task.then(
      (record) => {
        slot.record = record;
        slot.settled = true;
        this.pump();
      },
      (err: unknown) => {
        this.failure ??= err;
        slot.settled = true;
        this.pump();
      },
    );
  }

  /** Slots not yet written. */
  get waiting(): number {
    return this.slots.length - this.head;
  }

  /** Resolves once fewer than LIST_AHEAD slots wait (the scan's back-pressure). */
  async room(): Promise<void> {
    while (this.waiting >= LIST_AHEAD) await new Promise<void>((resolve) => (this.waiter = resolve));
  }

  private pump(): void {
    while (this.head < this.slots.length) {
      const slot = this.slots[this.head];
      if (slot === undefined || !slot.settled) break;
      this.slots[this.head] = undefined;
      this.head += 1;
      if (slot.record !== undefined) this.take(slot.record);
    }
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head);
      this.head = 0;
    }
    if (this.waiter !== null && this.waiting < LIST_AHEAD) {
      const wake = this.waiter;
      this.waiter = null;
      wake();
    }
  }

  private take(record: DoneRecord): void {
    const e = record.entry;
    if (this.lastPath !== null && comparePaths(this.lastPath, e.path) >= 0) {
      this.failure ??= new Error(`sync list: "${e.path}" arrived after "${this.lastPath}" (out of path order)`);
      return;
    }
    this.lastPath = e.path;
    this.count += 1;
    countInto(this.counts, record);
    if (e.type === 'dir') this.dirs.push(e);
    this.lines.addLine(`${record.how} ${JSON.stringify(e)}`);
  }

  /** After every slot has settled: writes the rest and closes the file. Throws what a slot or a write threw. */
  async finish(): Promise<SyncList> {
    if (this.waiting > 0 && this.failure === null) throw new Error(`sync list: ${this.waiting} path(s) not settled`);
    this.lines.flush();
    await this.lines.drained().catch((err: unknown) => {
      this.failure ??= err;
    });
    await this.handle.close();
    if (this.failure !== null) throw this.failure;
    return { file: this.file, entries: this.count, tally: { ...this.counts }, dirs: this.dirs };
  }

  /** Closes and removes the file (a sync that failed leaves no list). */
  async abort(): Promise<void> {
    await this.lines.drained().catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    await removeIfExists(this.fs, this.file).catch(() => undefined);
  }
}

const HOWS: ReadonlySet<string> = new Set<DoneRecord['how']>(['copy', 'link', 'dir', 'symlink']);

/** A line's two parts: how, and the manifest line. */
function splitLine(line: string, file: string): { how: DoneRecord['how']; json: string } {
  const space = line.indexOf(' ');
  const how = line.slice(0, space);
  if (space < 0 || !HOWS.has(how))
    throw new Error(`${file}: not a sync list line: ${JSON.stringify(line.slice(0, 80))}`);
  return { how: how as DoneRecord['how'], json: line.slice(space + 1) };
}

/** The records of a list, in its (path) order. */
export async function* readSyncList(fs: FileSystem, file: string): AsyncGenerator<DoneRecord> {
  for await (const line of readLines(fs, file)) {
    if (line === '') continue;
    const { how, json } = splitLine(line, file);
    const e = JSON.parse(json) as ManifestEntry;
    // Its paths are removed and joined to folders: one altered on disk since it was written goes no further.
    const problem = entryPathProblem(e?.path);
    if (problem !== null) throw new Error(`${file}: the path ${JSON.stringify(e?.path)} ${problem}`);
    shareAttributes(e);
    yield { how, entry: e };
  }
}

/** The manifest entries of a list, in path order. */
export async function* syncListEntries(fs: FileSystem, file: string): AsyncGenerator<ManifestEntry> {
  for await (const record of readSyncList(fs, file)) yield record.entry;
}

/** The manifest lines of a list, as written (no parse: the commit copies them into the manifest). */
export async function* syncListManifestLines(fs: FileSystem, file: string): AsyncGenerator<string> {
  for await (const line of readLines(fs, file)) if (line !== '') yield splitLine(line, file).json;
}
