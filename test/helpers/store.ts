import { createHash } from 'node:crypto';
import { chmod, link, lstat, mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { localFs } from '../../src/fs/local';
import { writeManifest } from '../../src/store/manifest';
import type { ManifestEntry, ManifestHeader, RunRecord } from '../../src/store/types';

// The one store fixture: stores built by hand in the documented layout (src/store/types.ts), for the
// tests that need dates or histories a real backup cannot produce.

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

/**
 * A hand-built store in the documented layout (src/store/types.ts): snapshot folders with read-only
 * files, unchanged files hard-linked to the previous snapshot, a complete manifest and a run record.
 */
export interface FixtureSnapshot {
  id: string;
  files: Record<string, string>;
  run?: Partial<RunRecord>;
}

export const AVIMARK_FILES: Record<string, string> = {
  'CLIENT.V2$': 'client records '.repeat(40),
  'ANIMAL.V2$': 'animal records '.repeat(30),
  'TREAT.V2$': 'treatment records '.repeat(20),
  'AVImark.db$': 'db',
  'avimark.exe': 'MZ-program',
  'My Documents/letter.doc': 'Dear client',
};

export async function makeStore(dest: string, snapshots: FixtureSnapshot[]): Promise<void> {
  await mkdir(dest, { recursive: true });
  await writeFile(path.join(dest, 'store.json'), JSON.stringify({ format: 'avimark-backup-store', version: 1 }));
  let previous: { id: string; files: Record<string, string> } | null = null;
  for (const snap of snapshots) {
    const root = path.join(dest, 'snapshots', snap.id);
    const entries: ManifestEntry[] = [];
    const dirs = new Set<string>();
    let bytesCopied = 0;
    let filesLinked = 0;
    for (const [rel, content] of Object.entries(snap.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
      const full = path.join(root, ...parts);
      await mkdir(path.dirname(full), { recursive: true });
      if (previous && previous.files[rel] === content) {
        await link(path.join(dest, 'snapshots', previous.id, ...parts), full);
        filesLinked += 1;
      } else {
        await writeFile(full, content);
        await utimes(full, new Date('2026-11-01T10:00:00Z'), new Date('2026-11-01T10:00:00Z'));
        await chmod(full, 0o444);
        bytesCopied += Buffer.byteLength(content);
      }
      const st = await lstat(full, { bigint: true });
      entries.push({
        path: rel,
        type: 'file',
        size: Buffer.byteLength(content),
        mtimeNs: st.mtimeNs.toString(),
        sha256: createHash('sha256').update(content).digest('hex'),
        attributes: { mode: 0o444, readonly: true },
      });
    }
    for (const d of dirs)
      entries.push({
        path: d,
        type: 'dir',
        size: 0,
        mtimeNs: '0',
        sha256: null,
        attributes: { mode: 0o755, readonly: false },
      });
    entries.sort((a, b) => (a.path < b.path ? -1 : 1));
    const meta = path.join(dest, 'meta', snap.id);
    await mkdir(meta, { recursive: true });
    const header: ManifestHeader = {
      format: 'avimark-backup-manifest',
      version: 1,
      snapshotId: snap.id,
      source: '/live/AVImark',
      createdAt: new Date().toISOString(),
      entries: entries.length,
    };
    await writeFile(
      path.join(meta, 'manifest.jsonl'),
      [header, ...entries].map((l) => `${JSON.stringify(l)}\n`).join(''),
    );
    const bytesTotal = entries.reduce((n, e) => n + e.size, 0);
    const run: RunRecord = {
      snapshotId: snap.id,
      result: 'success',
      startedAt: idToDate(snap.id).toISOString(),
      endedAt: new Date(idToDate(snap.id).getTime() + 95_000).toISOString(),
      durationSeconds: 95,
      mode: 'offline',
      source: '/live/AVImark',
      filesTotal: Object.keys(snap.files).length,
      filesCopied: Object.keys(snap.files).length - filesLinked,
      filesLinked,
      bytesTotal,
      bytesCopied,
      offlineSeconds: 42,
      lockoutSteps: [],
      resumed: false,
      warnings: [],
      errors: [],
      ...snap.run,
    };
    await writeFile(path.join(meta, 'run.json'), JSON.stringify(run, null, 2));
    previous = snap;
  }
}

/** A failed run: a run record without a snapshot. */
export async function addFailedRun(dest: string, run: Partial<RunRecord> & { snapshotId: string }): Promise<void> {
  const meta = path.join(dest, 'meta', run.snapshotId);
  await mkdir(meta, { recursive: true });
  const record: RunRecord = {
    result: 'failed',
    startedAt: idToDate(run.snapshotId).toISOString(),
    endedAt: idToDate(run.snapshotId).toISOString(),
    durationSeconds: 30,
    mode: 'offline',
    source: '/live/AVImark',
    filesTotal: 0,
    filesCopied: 0,
    filesLinked: 0,
    bytesTotal: 0,
    bytesCopied: 0,
    offlineSeconds: 12,
    lockoutSteps: [],
    resumed: false,
    warnings: [],
    errors: ['the destination disk is full'],
    ...run,
  };
  await writeFile(path.join(meta, 'run.json'), JSON.stringify(record, null, 2));
}

/** Snapshot ids are local times: 2026-11-26_021400 → that local moment. */
export function idToDate(id: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})(\d{2})(\d{2})/.exec(id);
  if (!m) throw new Error(`bad id ${id}`);
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Path → "sha256 mtimeMs mode ino" for every file and folder under `root` (to prove a drill changed nothing). */
export async function fingerprint(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(dir: string, rel: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      const st = await lstat(full, { bigint: true });
      if (entry.isDirectory()) {
        out.set(r, `dir ${st.mtimeNs} ${st.mode}`);
        await walk(full, r);
      } else {
        const hash = createHash('sha256')
          .update(await readFile(full))
          .digest('hex');
        out.set(r, `${hash} ${st.mtimeNs} ${st.mode} ${st.ino} ${st.nlink}`);
      }
    }
  }
  await walk(root, '');
  return out;
}
