import path from 'node:path';
import type { Settings } from '../config/load';
import { verifySnapshot, type VerifyResult } from '../engine/verify';
import { errorMessage } from '../errors';
import type { Logger } from '../log/logger';
import { manifestPath } from '../store/layout';
import { acquireStoreLock } from '../store/lock';
import { changedFiles } from '../store/manifest-diff';
import { pruneSnapshots, type PruneResult } from '../store/prune';
import { listSnapshots, resolveSnapshotId } from '../store/snapshots';
import type { ManifestEntry, SnapshotId } from '../store/types';
import { localFs } from '../fs/local';
import { writeFileAtomic } from '../fs/durable';
import { type ScrubResult, scrubRecord, scrubStore } from './scrub';

export interface AfterBackupResult {
  verify: VerifyResult | null;
  /** The rolling scrub's slice (issue 14), with the store's coverage; null when verification is off or failed. */
  scrub: ScrubResult | null;
  prune: PruneResult | null;
  warnings: string[];
}

/**
 * Step 7 of the cycle, after the snapshot is committed (AVImark is already back): verify what
 * `verify.after` asks for, then prune when `retention.auto`. A prune failure is a warning (the new
 * snapshot is safe); verification problems are returned for the caller to turn into exit 3.
 */
export async function afterBackup(
  settings: Settings,
  snapshotId: SnapshotId,
  log: Logger,
  now: () => Date = () => new Date(),
): Promise<AfterBackupResult> {
  const warnings: string[] = [];
  let verify: VerifyResult | null = null;
  const snapshot = await resolveSnapshotId(settings.destination, snapshotId);
  if (settings.verify.after !== 'none') {
    const select =
      settings.verify.after === 'copied' ? await changedSincePrevious(settings.destination, snapshotId) : undefined;
    verify = await verifySnapshot(snapshot, {
      samplePercent: settings.verify.after === 'sample' ? settings.verify.samplePercent : 100,
      select,
      logger: log,
      dest: settings.destination,
      now,
    });
    warnings.push(...verify.warnings);
  }
  let scrub: ScrubResult | null = null;
  if (settings.verify.after !== 'none') {
    const alreadyHashed = verify?.hashed ?? [];
    scrub = await scrubStore(settings.destination, {
      scrubDays: settings.verify.scrubDays,
      alreadyHashed,
      now,
      log,
    }).catch((err: unknown) => {
      const w = `the rolling scrub failed (the new snapshot is safe): ${errorMessage(err)}`;
      log.warn(w);
      warnings.push(w);
      return null;
    });
  }
  if (verify && scrub) {
    // The verification history keeps the scrub's coverage (the report shows it).
    verify.record = { ...verify.record, scrub: scrubRecord(scrub, settings.verify.scrubDays) };
    const file = path.join(snapshot.metaDir, 'verify.json');
    await writeFileAtomic(localFs, file, `${JSON.stringify(verify.record, null, 2)}\n`).catch((err: unknown) => {
      warnings.push(`the scrub coverage could not be recorded in ${file}: ${errorMessage(err)}`);
    });
  }
  let prune: PruneResult | null = null;
  if (settings.retention.auto) {
    try {
      const lock = await acquireStoreLock(settings.destination, { purpose: 'prune' });
      try {
        prune = await pruneSnapshots(settings.destination, settings.retention, { logger: log });
      } finally {
        await lock.release();
      }
    } catch (err) {
      const w = `automatic prune failed (the new snapshot is safe): ${errorMessage(err)}`;
      log.warn(w);
      warnings.push(w);
    }
  }
  return { verify, scrub, prune, warnings };
}

/**
 * Selects the entries that differ from the previous snapshot's manifest: what this run had to copy. The two
 * manifests are merged as streams (only the changed paths are held, not an index of the previous one).
 */
async function changedSincePrevious(
  dest: string,
  id: SnapshotId,
): Promise<((entry: ManifestEntry) => boolean) | undefined> {
  const snapshots = await listSnapshots(dest);
  const at = snapshots.findIndex((s) => s.id === id);
  const previous = at > 0 ? snapshots[at - 1] : undefined;
  if (!previous) return undefined;
  const changed = await changedFiles(localFs, manifestPath(dest, id), manifestPath(dest, previous.id));
  return (entry) => changed.has(entry.path);
}
