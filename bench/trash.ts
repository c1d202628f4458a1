import { existsSync, mkdirSync, renameSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { removeTree, syncFs } from './measure';

/**
 * Outputs of timed runs are set aside (renamed into the trash), not deleted, until the disk runs short.
 * ext4 skips inodes freed in the last 60 s when it allocates new ones (`recently_deleted` in
 * fs/ext4/ialloc.c): a contender that runs right after a deletion pays for it, unevenly, which was part of
 * the bench's run-to-run noise. A rename frees no inode. When the trash has to be emptied, the next timed
 * run waits until a minute (and a margin) has passed since the deletion.
 */

/** ext4's window for recently deleted inodes (60 s), plus a second of margin. */
export const RECENTLY_DELETED_MS = 61_000;

export interface DiskRoom {
  freeBytes: number;
  freeInodes: number;
}

export interface SettleInput {
  room: DiskRoom;
  reserve: DiskRoom;
  /** Folders set aside and not yet deleted. */
  trashed: number;
  /** Milliseconds since the trash was last emptied, null when it never was. */
  msSinceEmptied: number | null;
}

/** Before a timed run: empty the trash (only when the disk is short and there is something to free), then wait. */
export function settlePlan(o: SettleInput): { empty: boolean; waitMs: number } {
  const short = o.room.freeBytes < o.reserve.freeBytes || o.room.freeInodes < o.reserve.freeInodes;
  if (short && o.trashed > 0) return { empty: true, waitMs: RECENTLY_DELETED_MS };
  const waitMs = o.msSinceEmptied === null ? 0 : Math.max(0, RECENTLY_DELETED_MS - o.msSinceEmptied);
  return { empty: false, waitMs };
}

export function diskRoom(dir: string): DiskRoom {
  const st = statfsSync(dir);
  return { freeBytes: st.bavail * st.bsize, freeInodes: st.ffree };
}

export interface TrashEffects {
  room: (dir: string) => DiskRoom;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Deletes a folder and flushes the file system that held it. */
  remove: (dir: string) => Promise<void>;
}

const realEffects: TrashEffects = {
  room: diskRoom,
  sleep: (ms) => delay(ms),
  now: () => Date.now(),
  remove: async (dir) => {
    removeTree(dir);
    await syncFs(path.dirname(dir));
  },
};

export class Trash {
  private count = 0;
  private trashed = 0;
  private emptiedAt: number | null = null;
  /** How often the trash was emptied and how long timed runs waited for ext4 (for the report's notes). */
  readonly stats = { emptied: 0, waitedMs: 0 };

  constructor(
    private readonly dir: string,
    private readonly reserve: DiskRoom,
    private readonly effects: TrashEffects = realEffects,
  ) {}

  /** Sets `target` aside so that it is missing for the next run; frees nothing yet. */
  discard(target: string): void {
    if (!existsSync(target)) return;
    mkdirSync(this.dir, { recursive: true });
    renameSync(target, path.join(this.dir, String(this.count++)));
    this.trashed++;
  }

  /** Right before a timed run: makes room when the disk is short, and waits out ext4's window. */
  async settle(): Promise<void> {
    const plan = settlePlan({
      room: this.effects.room(path.dirname(this.dir)),
      reserve: this.reserve,
      trashed: this.trashed,
      msSinceEmptied: this.emptiedAt === null ? null : this.effects.now() - this.emptiedAt,
    });
    if (plan.empty) await this.empty();
    if (plan.waitMs > 0) {
      this.stats.waitedMs += plan.waitMs;
      await this.effects.sleep(plan.waitMs);
    }
  }

  /** Deletes everything set aside (when the disk is short, and at the end of the bench). */
  async empty(): Promise<void> {
    if (this.trashed === 0) return;
    await this.effects.remove(this.dir);
    this.trashed = 0;
    this.emptiedAt = this.effects.now();
    this.stats.emptied++;
  }
}
