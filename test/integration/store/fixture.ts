import { createHash } from 'node:crypto';
import { chmod, link, lstat, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { localFs } from '../../../src/fs/local';
import { writeManifest } from '../../../src/store/manifest';
import type { ManifestEntry } from '../../../src/store/types';

/**
 * Builds a store in the documented layout with chosen snapshot ids (retention needs dates a real
 * backup cannot produce): files read-only, a file identical to the previous snapshot's is a hard
 * link to it, manifests written with the store's own writer.
 */
export async function buildStore(
  dest: string,
  snapshots: { id: string; files: Record<string, string> }[],
): Promise<void> {
  let previous: { id: string; files: Record<string, string> } | null = null;
  for (const snap of snapshots) {
    const root = path.join(dest, 'snapshots', snap.id);
    await mkdir(root, { recursive: true });
    const entries: ManifestEntry[] = [];
    const dirs = new Set<string>();
    for (const [rel, content] of Object.entries(snap.files)) {
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
      const full = path.join(root, ...parts);
      await mkdir(path.dirname(full), { recursive: true });
      if (previous && previous.files[rel] === content) {
        await link(path.join(dest, 'snapshots', previous.id, ...parts), full);
      } else {
        await writeFile(full, content);
        await chmod(full, 0o444);
      }
      const st = await lstat(full, { bigint: true });
      entries.push({
        path: rel,
        type: 'file',
        size: Buffer.byteLength(content),
        mtimeNs: st.mtimeNs.toString(),
        sha256: createHash('sha256').update(content).digest('hex'),
        attributes: { mode: 0o644, readonly: false },
      });
    }
    for (const d of dirs) {
      const st = await lstat(path.join(root, ...d.split('/')), { bigint: true });
      entries.push({
        path: d,
        type: 'dir',
        size: 0,
        mtimeNs: st.mtimeNs.toString(),
        sha256: null,
        attributes: { mode: 0o755, readonly: false },
      });
    }
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    await mkdir(path.join(dest, 'meta', snap.id), { recursive: true });
    await writeManifest(
      localFs,
      path.join(dest, 'meta', snap.id, 'manifest.jsonl'),
      {
        format: 'avimark-backup-manifest',
        version: 1,
        snapshotId: snap.id,
        source: '/live/AVImark',
        createdAt: new Date().toISOString(),
      },
      entries,
      entries.length,
    );
    previous = snap;
  }
}

/** One id a day at 02:00 from `start` (YYYY-MM-DD) for `days` days. */
export function dailyIds(start: string, days: number): string[] {
  const [y, m, d] = start.split('-').map(Number);
  const p = (n: number) => String(n).padStart(2, '0');
  return Array.from({ length: days }, (_, i) => {
    const dt = new Date(Date.UTC(y, m - 1, d + i));
    return `${dt.getUTCFullYear()}-${p(dt.getUTCMonth() + 1)}-${p(dt.getUTCDate())}_020000`;
  });
}
