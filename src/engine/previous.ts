import { ManifestFormatError } from '../store/manifest';
import { ManifestCursor } from '../store/manifest-diff';
import type { ManifestEntry, SnapshotId } from '../store/types';
import type { PartialSnapshot } from './partial';

/** The previous snapshot a partial is compared against, and its manifest file. */
export interface PreviousManifest {
  id: SnapshotId;
  manifest: string;
}

/**
 * The previous snapshot's entries, looked up path by path in the scan's order (`comparePaths`), read as a
 * stream beside it: one entry in memory, whatever the manifest's size. Damage never stops the night: a
 * manifest refused when opened (cut short) gives no entries at all, and a line found damaged part way
 * gives none from there on; either way those files are copied, not linked, with a warning. The lines
 * read before the damage parsed and are used as any manifest's are.
 */
/** What the lookup needs of the partial: its file system, where the previous id goes, its warnings. */
export type LookupOwner = Pick<PartialSnapshot, 'fs' | 'previousId' | 'warnOnce'>;

export class PreviousLookup {
  private constructor(
    private readonly partial: LookupOwner,
    private readonly previous: PreviousManifest | null,
    private cursor: ManifestCursor | null,
  ) {}

  /** For one sync (each sync scans from the start, so each opens its own). */
  static async open(partial: LookupOwner, previous: PreviousManifest | null): Promise<PreviousLookup> {
    if (previous === null) return new PreviousLookup(partial, null, null);
    try {
      const cursor = await ManifestCursor.open(partial.fs, previous.manifest);
      partial.previousId = previous.id;
      return new PreviousLookup(partial, previous, cursor);
    } catch (err) {
      if (!(err instanceof ManifestFormatError)) throw err;
      partial.warnOnce(
        'previous-manifest',
        `the manifest of snapshot ${previous.id} is damaged (${err.message}); every file is copied instead of linked — run verify`,
      );
      return new PreviousLookup(partial, previous, null);
    }
  }

  /** The previous entry at `rel`; lookups in scan order, each awaited before the next. */
  async get(rel: string): Promise<ManifestEntry | undefined> {
    if (this.cursor === null) return undefined;
    try {
      return await this.cursor.get(rel);
    } catch (err) {
      if (!(err instanceof ManifestFormatError)) throw err;
      await this.close();
      this.partial.warnOnce(
        'previous-manifest',
        `the manifest of snapshot ${this.previous?.id} is damaged (${err.message}); the files from "${rel}" on are copied instead of linked — run verify`,
      );
      return undefined;
    }
  }

  async close(): Promise<void> {
    const cursor = this.cursor;
    this.cursor = null;
    await cursor?.close().catch(() => undefined);
  }
}
