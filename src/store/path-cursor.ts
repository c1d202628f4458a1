import { comparePaths } from './manifest';

/**
 * Items in path order (`comparePaths`: a manifest's entries, a sync's list of records) looked up by a
 * caller walking the same order (the scan, another manifest): each lookup reads on to the path asked for,
 * so memory is one item whatever the stream's length. The one merge of two path-ordered streams that
 * ManifestCursor (./manifest-diff.ts) and the engine's HeldList (../engine/held.ts) share.
 *
 * An item found is consumed: a second lookup of its path, like any path behind the last item read, is
 * answered "not there". Lookups must not overlap (each awaited before the next).
 */
export class PathCursor<T> {
  private at: IteratorResult<T> | null = null;

  constructor(
    private readonly items: AsyncIterator<T>,
    private readonly pathOf: (item: T) => string,
  ) {}

  /** The item at `path`, if the stream has one there; `passed` is given each item read past on the way. */
  async get(path: string, passed?: (item: T) => void): Promise<T | undefined> {
    let at = this.at ?? (await this.items.next());
    while (!at.done && comparePaths(this.pathOf(at.value), path) < 0) {
      passed?.(at.value);
      at = await this.items.next();
    }
    if (!at.done && this.pathOf(at.value) === path) {
      this.at = null;
      return at.value;
    }
    this.at = at;
    return undefined;
  }

  /** Reads the stream to its end, giving `passed` each item no lookup found. */
  async rest(passed: (item: T) => void): Promise<void> {
    let at = this.at ?? (await this.items.next());
    while (!at.done) {
      passed(at.value);
      at = await this.items.next();
    }
    this.at = at;
  }

  /** Releases the stream (its file) when the caller stops before the end. */
  async close(): Promise<void> {
    await this.items.return?.(undefined);
  }
}
