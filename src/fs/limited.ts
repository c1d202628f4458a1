/** Bounded concurrency over a list or a stream (the manifest read line by line). */

/**
 * Runs `fn` over `items` in their order with at most `limit` at a time; the first error wins (calls under way
 * still settle, and the workers that did not fail go on with the rest of the items). A stream is closed when
 * it is not read to its end.
 */
export async function forEachLimited<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const it: Iterator<T> | AsyncIterator<T> =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let finished = false;
  const worker = async () => {
    for (;;) {
      const next = await it.next();
      if (next.done) {
        finished = true;
        return;
      }
      await fn(next.value);
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, limit) }, worker));
  if (!finished) await it.return?.();
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Tasks in flight, counted, for a loop that starts them one by one and waits for room before the next:
 * `room()` resolves once fewer than `limit` run, `idle()` once none does. Each settled task wakes the
 * waiters (there is one per loop); unlike `Promise.race` over the tasks in flight, a wait adds nothing to
 * the tasks still running, so a long task does not gather a reaction for every short one beside it.
 * Tasks are only counted: their results and rejections stay with whoever holds them.
 */
export class TaskPool {
  private size = 0;
  private waiters: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get running(): number {
    return this.size;
  }

  add(task: Promise<unknown>): void {
    this.size += 1;
    const settled = () => {
      this.size -= 1;
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    };
    task.then(settled, settled);
  }

  /** Resolves once fewer than `limit` tasks run. */
  async room(): Promise<void> {
    while (this.size >= this.limit) await this.change();
  }

  /** Resolves once no task runs. */
  async idle(): Promise<void> {
    while (this.size > 0) await this.change();
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
