import { joinRelative } from '../fs/join-relative';
import { removeTree } from '../fs/remove';
import type { FileSystem } from '../fs/types';
import type { Logger } from '../log/logger';
import { partialDir } from '../store/layout';
import type { SnapshotId } from '../store/types';
import type { Checkpoint } from './checkpoint';
import type { ThisRun } from './types';

/**
 * The partial snapshot a sync writes into (DEST/in-progress/<id>/) with its checkpoint, the warnings
 * gathered for the run record, and this process's counts: what the scan loop, the file and tree savers
 * and the commit share.
 */
export class PartialSnapshot {
  readonly warnings: string[] = [];
  private readonly warningKeys = new Set<string>();
  readonly thisRun: ThisRun = { filesCopied: 0, filesLinked: 0, bytesCopied: 0 };
  /** Files whose link to the previous snapshot failed in this run (they are copied instead). */
  readonly linkFailed = new Set<string>();
  /** The snapshot unchanged files are linked from (null: none, or its manifest was refused when opened). */
  previousId: SnapshotId | null = null;
  readonly dir: string;

  constructor(
    readonly fs: FileSystem,
    readonly dest: string,
    readonly id: SnapshotId,
    readonly log: Logger,
    readonly checkpoint: Checkpoint,
  ) {
    this.dir = partialDir(dest, id);
  }

  /** Where the '/'-separated relative path `rel` is in the partial. */
  destPath(rel: string): string {
    return joinRelative(this.dir, rel);
  }

  /** Adds a warning to the run record (and the log) once per key. */
  warnOnce(key: string, message: string): void {
    if (this.warningKeys.has(key)) return;
    this.warningKeys.add(key);
    this.warnings.push(message);
    this.log.warn(message);
  }

  hasWarned(key: string): boolean {
    return this.warningKeys.has(key);
  }

  /** Removes whatever the partial holds at `rel`, and any claim of the checkpoint on it. */
  async forget(rel: string): Promise<void> {
    await removeTree(this.fs, this.destPath(rel));
    await this.checkpoint.record({ t: 'del', p: rel });
  }
}
