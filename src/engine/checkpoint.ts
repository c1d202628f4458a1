import path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import type { FileSystem } from '../fs/types';
import { writeFully } from '../fs/write-fully';
import { errnoCode } from '../errors';
import { fsyncDir, writeFileAtomic } from '../fs/durable';
import type { SnapshotId } from '../store/types';
import type { PartialProgress } from './plan';
import { HeldRecords, type SpillPlace } from './held-records';
import { type JournalRecord, replayJournal, replayJournalFile } from './journal-replay';
import { METADATA_RETRY, withRetry } from '../fs/retry';

/**
 * The checkpoint of a snapshot in progress lives in DEST/in-progress/<ID>.state/:
 *   state.json     written when the partial is created (id, previous snapshot) and once more at its
 *                  first sync (the source); only this class writes it
 *   journal.jsonl  append-only, one JSON record a line:
 *                    {"t":"done","how":"copy"|"link"|"dir"|"symlink","e":<ManifestEntry>}  path finished
 *                    {"t":"del","p":<path>}                                              path removed again
 *                    {"t":"part","p":<path>,"off":N,"size":S,"mtimeNs":"…"}             large file fsynced up to N
 * Later records supersede earlier ones for the same path. A record is appended only after the data it
 * describes is on disk (copies are fsynced first), so replaying the journal never claims more than
 * exists. Records are gathered and written together (every JOURNAL_WRITE_EVERY records or
 * JOURNAL_WRITE_INTERVAL_MS), which only ever delays a claim: a kill -9 loses at most that much progress.
 * A kill -9 can tear the last line: it is ignored and cut off before appending again.
 *   journal.reserve  JOURNAL_RESERVE_BYTES of real (not sparse) zeros, kept so that the journal can still be
 *                  written when the destination disk fills up: on ENOSPC the journal is cut back to its
 *                  last whole record and the records are held in memory; the next flush (after the copies
 *                  have stopped) deletes the reserve and writes them. Without
 *                  it a full disk would lose the records of every file copied since the last write, and
 *                  the resumed run would copy them all again (onto the disk that was just full).
 */

export interface PartialState {
  format: 'avimark-backup-partial';
  version: 1;
  snapshotId: SnapshotId;
  source: string;
  startedAt: string;
  previousSnapshotId: SnapshotId | null;
}

/** How often appended records are fsynced (a power cut loses at most this much progress; kill -9 loses none). */
const JOURNAL_SYNC_INTERVAL_MS = 1000;
/** Records gathered into one write. */
const JOURNAL_WRITE_EVERY = 256;
const JOURNAL_WRITE_INTERVAL_MS = 100;
/** Room kept for the journal on a full disk: several gathered writes of long-path records. */
export const JOURNAL_RESERVE_BYTES = 1024 * 1024;

const isDiskFull = (err: unknown): boolean => {
  const code = errnoCode(err);
  return code === 'ENOSPC' || code === 'EDQUOT';
};

/** Cuts `file` to `length` through its own handle (on Windows an append-only handle may not truncate). */
async function truncateFile(fs: FileSystem, file: string, length: number): Promise<void> {
  const cutter = await fs.open(file, 'r+');
  try {
    await cutter.truncate(length);
    await cutter.sync();
  } finally {
    await cutter.close();
  }
}

/**
 * Writes the reserve next to the journal, unless it is there already. Best effort: on a disk too full
 * for it the run goes on without (it will fail on its own soon enough, and loses at most progress).
 */
async function ensureReserve(fs: FileSystem, stateDir: string): Promise<boolean> {
  const file = Checkpoint.reservePath(stateDir);
  try {
    if ((await fs.stat(file)).size === JOURNAL_RESERVE_BYTES) return true;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') return false;
  }
  try {
    const handle = await fs.open(file, 'w');
    try {
      await writeFully(handle, Buffer.alloc(JOURNAL_RESERVE_BYTES));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch {
    await fs.rm(file, { force: true }).catch(() => undefined);
    return false;
  }
}

export class Checkpoint {
  private pendingSync = false;
  private lastSync = Date.now();
  private writing: Promise<void> = Promise.resolve();
  private gathered: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private failure: unknown = null;
  /** Records that met a full disk, written again with the next write. */
  private stalled = '';
  /** Records taken since the journal was opened. */
  private recorded = 0;

  private constructor(
    private readonly fs: FileSystem,
    private readonly stateDir: string,
    private readonly handle: FileHandle,
    /** Bytes of whole records in the journal file (where to cut back to after a failed write). */
    private journalBytes: number,
    private hasReserve: boolean,
    readonly state: PartialState,
    /** What the journal held when it was opened (handed over by the first `replayed()`). */
    private opened: HeldRecords | null,
    readonly partials: Map<string, PartialProgress>,
    /** On a reopened journal: the line of a record this process could not have written (the replay stopped there). */
    readonly refusedLine: number | null = null,
  ) {}

  static journalPath(stateDir: string): string {
    return path.join(stateDir, 'journal.jsonl');
  }

  static statePath(stateDir: string): string {
    return path.join(stateDir, 'state.json');
  }

  static reservePath(stateDir: string): string {
    return path.join(stateDir, 'journal.reserve');
  }

  /** Where a replay of a long journal spills its sorted runs (./held-records.ts). */
  static spillPlace(fs: FileSystem, stateDir: string): SpillPlace {
    return { fs, dir: path.join(stateDir, 'replay') };
  }

  /** Creates the state folder of a brand-new partial. */
  static async create(fs: FileSystem, stateDir: string, state: PartialState): Promise<Checkpoint> {
    await withRetry(() => fs.mkdir(stateDir, { recursive: true }), METADATA_RETRY);
    await writeFileAtomic(fs, Checkpoint.statePath(stateDir), `${JSON.stringify(state, null, 2)}\n`);
    const handle = await fs.open(Checkpoint.journalPath(stateDir), 'a');
    await handle.sync();
    const reserved = await ensureReserve(fs, stateDir);
    await fsyncDir(fs, stateDir);
    return new Checkpoint(fs, stateDir, handle, 0, reserved, state, null, new Map());
  }

  /** Records the source the partial is a copy of (once, at its first sync), in state.json. */
  async setSource(source: string): Promise<void> {
    if (this.state.source !== '') return;
    this.state.source = source;
    await writeFileAtomic(this.fs, Checkpoint.statePath(this.stateDir), `${JSON.stringify(this.state, null, 2)}\n`);
  }

  /** Reopens the checkpoint of an interrupted run. */
  static async open(fs: FileSystem, stateDir: string): Promise<Checkpoint> {
    const state = JSON.parse(await fs.readFile(Checkpoint.statePath(stateDir), 'utf8')) as PartialState;
    const file = Checkpoint.journalPath(stateDir);
    const replay = (await replayJournalFile(fs, file, Checkpoint.spillPlace(fs, stateDir))) ?? {
      ...replayJournal([]),
      bytes: 0,
    };
    let handle: FileHandle;
    let reserved: boolean;
    try {
      if (replay.validBytes !== replay.bytes) await truncateFile(fs, file, replay.validBytes);
      handle = await fs.open(file, 'a');
      reserved = await ensureReserve(fs, stateDir);
    } catch (err) {
      await replay.done.dispose();
      throw err;
    }
    return new Checkpoint(
      fs,
      stateDir,
      handle,
      replay.validBytes,
      reserved,
      state,
      replay.done,
      replay.partials,
      replay.refusedLine,
    );
  }

  /**
   * Applies a record to the large files' progress (`partials`; finished paths are not kept in memory: a
   * sync's list holds them, see ./sync-list.ts) and queues it for the journal (serialised: callers may run
   * concurrently). It reaches the file with the next gathered write; `flush()` forces that.
   */
  record(record: JournalRecord): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    this.recorded += 1;
    if (record.t === 'done') {
      this.partials.delete(record.e.path);
    } else if (record.t === 'del') {
      this.partials.delete(record.p);
    } else {
      this.partials.set(record.p, { offset: record.off, size: record.size, mtimeNs: record.mtimeNs });
    }
    this.gathered.push(`${JSON.stringify(record)}\n`);
    if (this.gathered.length >= JOURNAL_WRITE_EVERY) return this.writeGathered();
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.writeGathered().catch(() => undefined); // kept in `failure`
      }, JOURNAL_WRITE_INTERVAL_MS);
      this.timer.unref();
    }
    return Promise.resolve();
  }

  private writeGathered(force = false): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const chunk = this.gathered.join('');
    this.gathered = [];
    const next = this.writing.then(async () => {
      if (this.failure !== null) throw this.failure;
      const text = this.stalled + chunk;
      this.stalled = '';
      if (text !== '') {
        if (await this.append(text, force)) this.pendingSync = true;
        else this.stalled = text;
      }
      if (this.pendingSync && Date.now() - this.lastSync >= JOURNAL_SYNC_INTERVAL_MS) await this.syncNow();
    });
    this.writing = next.catch((err: unknown) => {
      this.failure ??= err;
    });
    return next;
  }

  /**
   * Appends whole records. On a full disk the records are kept in memory (false) and the journal is cut
   * back to its last whole record; only a forced write (flush, after the copies have stopped and cannot
   * take the room first) spends the reserve on them.
   */
  private async append(text: string, force: boolean): Promise<boolean> {
    const bytes = Buffer.from(text, 'utf8');
    try {
      await writeFully(this.handle, bytes);
    } catch (err) {
      if (!isDiskFull(err) || !this.hasReserve) throw err;
      await truncateFile(this.fs, Checkpoint.journalPath(this.stateDir), this.journalBytes);
      if (!force) return false;
      this.hasReserve = false;
      await this.fs.rm(Checkpoint.reservePath(this.stateDir), { force: true });
      await writeFully(this.handle, bytes);
    }
    this.journalBytes += bytes.length;
    return true;
  }

  private async syncNow(): Promise<void> {
    if (!this.pendingSync) return;
    this.pendingSync = false;
    this.lastSync = Date.now();
    await this.handle.sync();
  }

  /** Bytes of whole records in the journal (how much an opened journal held, before anything is recorded). */
  get journalSize(): number {
    return this.journalBytes;
  }

  /**
   * Every path the partial holds by the journal, in path order (for a sync that has no list to look them
   * up in: the first one, or the one after a failed sync). What was read when the journal was opened,
   * handed over once if nothing was recorded since; else the journal read again, after a flush. The
   * caller iterates `sorted()` or disposes of it.
   */
  async replayed(): Promise<HeldRecords> {
    const opened = this.opened;
    this.opened = null;
    if (opened !== null && this.recorded === 0) return opened;
    await opened?.dispose();
    await this.flush();
    const file = Checkpoint.journalPath(this.stateDir);
    return (
      (await replayJournalFile(this.fs, file, Checkpoint.spillPlace(this.fs, this.stateDir)))?.done ??
      new HeldRecords(null)
    );
  }

  /** Writes every queued record and fsyncs the journal. */
  async flush(): Promise<void> {
    await this.writeGathered(true);
    await this.syncNow();
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
      const opened = this.opened;
      this.opened = null;
      await opened?.dispose();
    }
  }
}
