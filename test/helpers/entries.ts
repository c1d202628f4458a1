import type { HeldRecords } from '../../src/engine/held-records';
import type { ManifestEntry } from '../../src/store/types';

/** A read-only file's manifest entry at `p` (1 byte, time 1, a fixed hash): for tests of entry streams. */
export function fileEntry(p: string, size = 1): ManifestEntry {
  return {
    path: p,
    type: 'file',
    size,
    mtimeNs: '1',
    sha256: 'a'.repeat(64),
    attributes: { mode: 0o444, readonly: true },
  };
}

/** The paths a replayed journal holds, in the order they are handed out (path order). */
export async function heldPaths(held: HeldRecords): Promise<string[]> {
  const out: string[] = [];
  for await (const record of held.sorted()) out.push(record.entry.path);
  return out;
}
