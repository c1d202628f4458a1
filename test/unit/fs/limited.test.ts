import { describe, expect, it } from 'vitest';
import { TaskPool, forEachLimited } from '../../../src/fs/limited';
import { seeded } from '../../helpers/random';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts how many calls run at once and the most that ever did. */
function overlap() {
  let now = 0;
  const seen = { max: 0, order: [] as number[] };
  const run = async (n: number, ms = 2) => {
    now += 1;
    seen.max = Math.max(seen.max, now);
    seen.order.push(n);
    await tick(ms);
    now -= 1;
  };
  return { seen, run };
}

async function* stream(n: number, closed: { done: boolean }) {
  try {
    for (let i = 0; i < n; i++) {
      await tick(0);
      yield i;
    }
  } finally {
    closed.done = true;
  }
}

describe('forEachLimited', () => {
  it('runs a list in order, never more than the limit at once', async () => {
    const { seen, run } = overlap();
    await forEachLimited([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, (n) => run(n));
    expect(seen.max).toBe(3);
    expect(seen.order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('runs a stream the same way, reading it as it goes', async () => {
    const { seen, run } = overlap();
    const closed = { done: false };
    await forEachLimited(stream(12, closed), 4, (n) => run(n, 50));
    expect(seen.max).toBe(4);
    expect(seen.order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(closed.done).toBe(true);
  });

  it('throws the first error once the others have settled, and still runs the rest', async () => {
    const ran: number[] = [];
    let settled = 0;
    const outcome = forEachLimited([0, 1, 2, 3, 4, 5], 2, async (n) => {
      await tick(n === 1 ? 1 : 5);
      if (n === 1) throw new Error('one failed');
      ran.push(n);
      settled += 1;
    });
    await expect(outcome).rejects.toThrow('one failed');
    expect(ran.sort()).toEqual([0, 2, 3, 4, 5]);
    expect(settled).toBe(5);
  });

  it('closes a stream it does not read to the end (every call failed)', async () => {
    const closed = { done: false };
    const outcome = forEachLimited(stream(100, closed), 2, async () => {
      throw new Error('no');
    });
    await expect(outcome).rejects.toThrow('no');
    expect(closed.done).toBe(true);
  });

  it('does nothing for an empty list', async () => {
    let calls = 0;
    await forEachLimited([], 8, async () => void (calls += 1));
    expect(calls).toBe(0);
  });
});

describe('TaskPool', () => {
  it('keeps at most the limit running while a loop starts tasks and waits for room; idle() after the last', async () => {
    const { seen, run } = overlap();
    const random = seeded(5);
    const pool = new TaskPool(3);
    const finished: number[] = [];
    for (let n = 0; n < 40; n += 1) {
      pool.add(run(n, random(6)).then(() => void finished.push(n)));
      await pool.room();
      expect(pool.running).toBeLessThan(3);
    }
    await pool.idle();
    expect(pool.running).toBe(0);
    expect(seen.max).toBe(3);
    expect(finished.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('counts a rejected task as settled and leaves its rejection to the holder', async () => {
    const pool = new TaskPool(1);
    const failing = tick(1).then(() => {
      throw new Error('failed');
    });
    pool.add(failing);
    await expect(failing).rejects.toThrow('failed');
    await pool.room();
    await pool.idle();
    expect(pool.running).toBe(0);
  });

  it('wakes a wait for room and a wait for idle alike', async () => {
    const pool = new TaskPool(2);
    const order: string[] = [];
    pool.add(tick(5));
    pool.add(tick(20));
    await Promise.all([pool.room().then(() => order.push('room')), pool.idle().then(() => order.push('idle'))]);
    expect(order).toEqual(['room', 'idle']);
    await new TaskPool(4).idle();
  });
});
