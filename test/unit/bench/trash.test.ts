import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DiskRoom,
  RECENTLY_DELETED_MS,
  Trash,
  type TrashEffects,
  diskRoom,
  settlePlan,
} from '../../../bench/trash';

const GiB = 1024 ** 3;
const reserve: DiskRoom = { freeBytes: 4 * GiB, freeInodes: 100_000 };
const plenty: DiskRoom = { freeBytes: 50 * GiB, freeInodes: 5_000_000 };

describe('settlePlan', () => {
  it('neither empties nor waits when there is room and nothing was ever deleted', () => {
    expect(settlePlan({ room: plenty, reserve, trashed: 3, msSinceEmptied: null })).toEqual({
      empty: false,
      waitMs: 0,
    });
  });

  it('empties and waits out ext4 window when the disk is short of bytes or of inodes', () => {
    const full = { empty: true, waitMs: RECENTLY_DELETED_MS };
    expect(settlePlan({ room: { ...plenty, freeBytes: GiB }, reserve, trashed: 1, msSinceEmptied: null })).toEqual(
      full,
    );
    expect(settlePlan({ room: { ...plenty, freeInodes: 10 }, reserve, trashed: 1, msSinceEmptied: 5 })).toEqual(full);
  });

  it('does not empty an empty trash (nothing to free), and does not wait when nothing was deleted', () => {
    expect(settlePlan({ room: { ...plenty, freeBytes: 0 }, reserve, trashed: 0, msSinceEmptied: null })).toEqual({
      empty: false,
      waitMs: 0,
    });
  });

  it('waits only the rest of the window after a recent emptying', () => {
    expect(settlePlan({ room: plenty, reserve, trashed: 0, msSinceEmptied: 40_000 }).waitMs).toBe(
      RECENTLY_DELETED_MS - 40_000,
    );
    expect(settlePlan({ room: plenty, reserve, trashed: 0, msSinceEmptied: 120_000 }).waitMs).toBe(0);
  });
});

let work: string | undefined;
afterEach(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
});

/** A trash in a real temporary folder with a fake disk, clock and sleep; deletion is real. */
function fixture(room: DiskRoom) {
  work = mkdtempSync(path.join(os.tmpdir(), 'avb-trash-'));
  const clock = { now: 1_000_000 };
  const slept: number[] = [];
  const removed: string[] = [];
  const effects: TrashEffects = {
    room: () => room,
    now: () => clock.now,
    sleep: async (ms) => {
      slept.push(ms);
      clock.now += ms;
    },
    remove: async (dir) => {
      removed.push(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const trashDir = path.join(work, '.trash');
  const output = (name: string): string => {
    const dir = path.join(work as string, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'f'), name);
    return dir;
  };
  return { trash: new Trash(trashDir, reserve, effects), trashDir, output, clock, slept, removed };
}

describe('Trash', () => {
  it('sets a folder aside by renaming it (the same name is free again, nothing is deleted)', async () => {
    const f = fixture(plenty);
    const out = f.output('restore-ours');
    f.trash.discard(out);
    expect(existsSync(out)).toBe(false);
    f.output('restore-ours');
    f.trash.discard(out);
    expect(readdirSync(f.trashDir).sort()).toEqual(['0', '1']);
    f.trash.discard(path.join(f.trashDir, '..', 'missing'));
    await f.trash.settle();
    expect(f.removed).toEqual([]);
    expect(f.slept).toEqual([]);
  });

  it('empties when the disk is short, then every timed run waits until a minute has passed since', async () => {
    const room = { ...plenty };
    const f = fixture(room);
    f.trash.discard(f.output('a'));
    room.freeBytes = GiB;
    await f.trash.settle();
    expect(f.removed).toEqual([f.trashDir]);
    expect(existsSync(f.trashDir)).toBe(false);
    expect(f.slept).toEqual([RECENTLY_DELETED_MS]);
    room.freeBytes = plenty.freeBytes;
    await f.trash.settle();
    expect(f.slept).toEqual([RECENTLY_DELETED_MS]);
    f.trash.discard(f.output('b'));
    await f.trash.empty();
    f.clock.now += 20_000;
    await f.trash.settle();
    expect(f.slept).toEqual([RECENTLY_DELETED_MS, RECENTLY_DELETED_MS - 20_000]);
    expect(f.trash.stats).toEqual({ emptied: 2, waitedMs: 2 * RECENTLY_DELETED_MS - 20_000 });
  });
});

describe('diskRoom', () => {
  it('reads free bytes and inodes of a real file system', () => {
    const room = diskRoom(os.tmpdir());
    expect(room.freeBytes).toBeGreaterThan(0);
    expect(Number.isInteger(room.freeInodes)).toBe(true);
  });
});
