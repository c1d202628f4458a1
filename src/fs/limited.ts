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
