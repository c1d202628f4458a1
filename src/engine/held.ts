import type { FileSystem } from '../fs/types';
import { comparePaths } from '../store/manifest';
import { PathCursor } from '../store/path-cursor';
import type { HeldRecords } from './held-records';
import type { DoneRecord } from './plan';
import { readSyncList } from './sync-list';

/**
 * What the partial holds at a sync's start, path by path, looked up in the scan's order: the last list
 * of this process (./sync-list.ts, read as a stream beside the scan: one record in memory), or, when
 * there is none (the first sync, or the one after a failed sync), the journal replayed in path order
 * (./held-records.ts). The held paths the scan did not meet are what the source no longer has (`rest`).
 */
export interface HeldLookup {
  /** The record of `rel`; each path once, in scan order (`comparePaths`). */
  get(rel: string): Promise<DoneRecord | undefined>;
  /** After the scan: the held paths no `get` asked for. */
  rest(): Promise<string[]>;
  close(): Promise<void>;
}

/** Over records in path order (the last sync's list, or the replayed journal), merged with the scan: the records passed over are gone. */
export class HeldList implements HeldLookup {
  private readonly gone: string[] = [];
  private readonly cursor: PathCursor<DoneRecord>;
  private last: string | null = null;

  private constructor(
    records: AsyncGenerator<DoneRecord>,
    private readonly dispose: () => Promise<void> = async () => undefined,
  ) {
    this.cursor = new PathCursor(records, (r) => r.entry.path);
  }

  static open(fs: FileSystem, file: string): HeldList {
    return new HeldList(readSyncList(fs, file));
  }

  /** Over a replayed journal's records (their run files removed on `close`, read or not). */
  static over(held: HeldRecords): HeldList {
    return new HeldList(held.sorted(), () => held.dispose());
  }

  private readonly passed = (r: DoneRecord): void => {
    this.gone.push(r.entry.path);
  };

  async get(rel: string): Promise<DoneRecord | undefined> {
    if (this.last !== null && comparePaths(this.last, rel) >= 0)
      throw new Error(`held lookup: "${rel}" asked after "${this.last}" (out of path order)`);
    this.last = rel;
    return this.cursor.get(rel, this.passed);
  }

  async rest(): Promise<string[]> {
    await this.cursor.rest(this.passed);
    return this.gone.splice(0);
  }

  async close(): Promise<void> {
    try {
      await this.cursor.close();
    } finally {
      await this.dispose();
    }
  }
}
