import path from 'node:path';
import { storeLayout } from '../store/layout';

/**
 * The guard's records in the store's meta folder (beside the per-snapshot meta/<ID>/ folders; their
 * names are not snapshot ids, so listing and prune pass them by):
 *
 *   DEST/meta/scrub-state.jsonl  one line per stored file: {"k":"<dev>:<ino>","h":"<sha256>","t":"<ISO>"}
 *   DEST/meta/damaged.json       the damage registry: stored files a verification found damaged
 */
export function scrubStatePath(dest: string): string {
  return path.join(storeLayout(dest).metaRoot, 'scrub-state.jsonl');
}

export { damageRegistryPath } from '../store/damage-registry';
