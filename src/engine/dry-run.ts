import type { EngineConfig } from '../config/schema';
import type { FileSystem } from '../fs/types';
import { localFs } from '../fs/local';
import { isNearPath } from '../fs/near-path';
import { readdirOrEmpty } from '../fs/read';
import { Checkpoint } from './checkpoint';
import { replayJournalFile } from './journal-replay';
import { HeldList } from './held';
import { tempSpillPlace } from './held-records';
import { hashHandle } from './file-saver';
import { partialStateDir, storeLayout, isSnapshotId, compareSnapshotIds } from '../store/layout';
import { listSnapshots } from '../store/snapshots';
import type { ManifestEntry } from '../store/types';
import { checkSourceAndDest } from './paths';
import { PreviousLookup } from './previous';
import { decideAfterHash, planFile, type DoneRecord, type FileDecision } from './plan';
import { scanTree } from './scan';

export interface DryRunReport {
  dryRun: true;
  source: string;
  dest: string;
  previousSnapshotId: string | null;
  /** The partial snapshot a real run would continue, if any. */
  resumeSnapshotId: string | null;
  copy: { path: string; reason: string; size: number }[];
  link: string[];
  /** Already in the partial snapshot and unchanged. */
  keep: string[];
  skip: { path: string; reason: string }[];
  filesTotal: number;
  bytesToCopy: number;
  /** What a real run would also warn about (a damaged previous manifest: those files copied). */
  warnings: string[];
}

/**
 * The partial snapshot a real run would continue (the newest), and what its journal says is done, looked
 * up in path order (a long journal spills to the system's temporary folder, never to the store).
 */
async function partialToResume(
  fs: FileSystem,
  dest: string,
): Promise<{ resumeId: string | null; done: HeldList | null }> {
  const partials = (await readdirOrEmpty(fs, storeLayout(dest).inProgressDir))
    .filter(isSnapshotId)
    .sort(compareSnapshotIds);
  const resumeId = partials.at(-1) ?? null;
  if (resumeId === null) return { resumeId, done: null };
  const journal = Checkpoint.journalPath(partialStateDir(dest, resumeId));
  const replay = await replayJournalFile(fs, journal, tempSpillPlace(fs));
  return { resumeId, done: replay && HeldList.over(replay.done) };
}

/** What a backup would do with one file, from its open handle's stat (hashing it for --checksum). */
async function planOne(
  fs: FileSystem,
  abs: string,
  known: {
    done: DoneRecord | undefined;
    previous: ManifestEntry | undefined;
    checksum: boolean;
    largeFileBytes: number;
    /** The source is on a network share: hashed through the thread pool only (../fs/near-path.ts). */
    far: boolean;
  },
): Promise<FileDecision & { size: number }> {
  const handle = await fs.open(abs, 'r');
  try {
    const st = await handle.stat({ bigint: true });
    const current = { size: Number(st.size), mtimeNs: st.mtimeNs.toString() };
    const done = known.done?.how === 'copy' || known.done?.how === 'link' ? known.done : undefined;
    let decision: FileDecision = planFile({ ...known, current, done });
    if (decision.action === 'hash-then-decide')
      decision = decideAfterHash(decision.candidate, (await hashHandle(handle, { far: known.far })).sha256);
    return { ...decision, size: current.size };
  } finally {
    await handle.close();
  }
}

/** What a backup would do, reading only: nothing is created or changed, not even DEST. */
export async function dryRunBackup(options: {
  source: string;
  dest: string;
  engine: EngineConfig;
  checksum?: boolean;
  fs?: FileSystem;
}): Promise<DryRunReport> {
  const fs = options.fs ?? localFs;
  const { source, dest } = await checkSourceAndDest(options.source, options.dest, { fs, retryPolicy: options.engine });
  const checksum = options.checksum ?? options.engine.checksum;
  const far = !isNearPath(options.source); // before it is resolved (which, on POSIX, reads "//x" as "/x")
  const snapshots = await listSnapshots(dest, fs);
  const previousRef = snapshots.at(-1) ?? null;
  const { resumeId, done } = await partialToResume(fs, dest);
  const report: DryRunReport = {
    dryRun: true,
    source,
    dest,
    previousSnapshotId: previousRef?.id ?? null,
    resumeSnapshotId: resumeId,
    copy: [],
    link: [],
    keep: [],
    skip: [],
    filesTotal: 0,
    bytesToCopy: 0,
    warnings: [],
  };
  // Read alongside the scan (both in path order), not loaded whole; damage is met as a real run meets it
  // (one lookup warns at most once).
  const previous = await PreviousLookup.open(
    { fs, previousId: null, warnOnce: (_key, message) => report.warnings.push(message) },
    previousRef && { id: previousRef.id, manifest: previousRef.manifestPath },
  );
  try {
    for await (const entry of scanTree(fs, source, {
      exclude: options.engine.exclude,
      retry: { policy: options.engine },
    })) {
      if (entry.type === 'special') {
        report.skip.push({ path: entry.rel, reason: entry.why ?? 'not a regular file, folder or link' });
        continue;
      }
      if (entry.type !== 'file') continue;
      report.filesTotal += 1;
      const decision = await planOne(fs, entry.abs, {
        done: await done?.get(entry.rel),
        previous: await previous.get(entry.rel),
        checksum,
        largeFileBytes: options.engine.largeFileBytes,
        far,
      });
      if (decision.action === 'keep') report.keep.push(entry.rel);
      else if (decision.action === 'link') report.link.push(entry.rel);
      else {
        report.copy.push({
          path: entry.rel,
          reason: decision.action === 'copy' ? decision.reason : 'resume',
          size: decision.size,
        });
        report.bytesToCopy += decision.size;
      }
    }
  } finally {
    await previous.close();
    await done?.close();
  }
  return report;
}

export function renderDryRun(r: DryRunReport): string {
  const lines: string[] = [];
  for (const c of r.copy) lines.push(`copy  ${c.path}  (${c.reason}, ${c.size} bytes)`);
  for (const l of r.link) lines.push(`link  ${l}`);
  for (const k of r.keep) lines.push(`keep  ${k}  (already in the partial snapshot)`);
  for (const s of r.skip) lines.push(`skip  ${s.path}  (${s.reason})`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push(
    `Dry run: ${r.copy.length} file(s) would be copied (${r.bytesToCopy} bytes), ${r.link.length} hard-linked to ${r.previousSnapshotId ?? '(no previous snapshot)'}` +
      `${r.keep.length ? `, ${r.keep.length} kept from partial ${r.resumeSnapshotId}` : ''}, ${r.skip.length} skipped. Nothing was changed.`,
  );
  return lines.join('\n');
}
