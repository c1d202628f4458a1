import { RunFailedError } from '../errors';
import type { Logger } from '../log/logger';
import { type BackupStatus, type BackupSummary, parseBackupLine } from './json';
import { listOurSnapshots, pushTags, snapshotIdOf } from './list';
import { clearStaleLocks } from './locks';
import type { Restic } from './restic';
import { updateOffsiteState } from './status';

/** One committed local snapshot to copy offsite. */
export interface PushSource {
  snapshotId: string;
  /** DEST/snapshots/<ID>: restic runs inside it and backs up `.`. */
  dir: string;
  /** The live folder the snapshot was taken from (a tag; null when unknown). */
  source: string | null;
}

export interface PushOptions {
  host: string;
  stateDir: string;
  timeoutMs: number;
  log: Logger;
  onProgress?: (status: BackupStatus) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface PushResult {
  snapshotId: string;
  resticSnapshotId: string;
  /** The restic snapshot this one was compared with (unchanged files are not re-read). */
  parent: string | null;
  /** False when the snapshot was already offsite (nothing uploaded). */
  uploaded: boolean;
  /** New data for the repository, before compression (restic's `data_added`). */
  bytesAdded: number;
  /** The same as stored, after compression (restic 0.17+'s `data_added_packed`); null from older restic. */
  bytesStored: number | null;
  bytesProcessed: number;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  durationSeconds: number;
  staleLocksCleared: number;
}

/** The backup command line: no secret in it, ever (they travel in restic's environment). Pure. */
export function backupArgs(source: PushSource, host: string, parent: string | null): string[] {
  const args = ['backup', '--json', '--host', host];
  for (const tag of pushTags(source.snapshotId, source.source)) args.push('--tag', tag);
  // Snapshot files never change after commit; on Linux making a hard link bumps ctime, which would
  // make every file "changed" (Windows compares path, size and mtime only and ignores the flag).
  args.push('--ignore-ctime');
  if (parent) args.push('--parent', parent);
  args.push('.');
  return args;
}

const PROGRESS_LOG_MS = 60_000;

/**
 * Copies one committed snapshot to the repository. Runs restic inside the snapshot folder with `.`
 * and an explicit --parent (a new folder name each night would otherwise defeat restic's parent
 * detection and re-read everything). Idempotent: a snapshot already offsite is not pushed again; a
 * push killed half-way is simply run again (restic reuses what its saved index lists).
 */
export async function pushSnapshot(restic: Restic, source: PushSource, options: PushOptions): Promise<PushResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const log = options.log;
  const staleLocksCleared = await clearStaleLocks(restic, log);
  const ours = await listOurSnapshots(restic, { host: options.host });
  const already = ours.filter((s) => snapshotIdOf(s) === source.snapshotId).at(-1);
  if (already) {
    log.info({ snapshotId: source.snapshotId, resticSnapshotId: already.id }, 'snapshot is already offsite');
    return finish(options, source, {
      resticSnapshotId: already.id,
      parent: already.parent,
      uploaded: false,
      time: already.time,
      summary: null,
      started,
      staleLocksCleared,
    });
  }
  const parent = ours.at(-1)?.id ?? null;
  log.info({ snapshotId: source.snapshotId, parent, host: options.host }, 'offsite push starting');
  const seen: { summary: BackupSummary | null } = { summary: null };
  let lastLogged = 0;
  const outcome = await restic.run({
    args: backupArgs(source, options.host, parent),
    cwd: source.dir,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    onStdoutLine(line) {
      const message = parseBackupLine(line);
      if (message.type === 'summary') seen.summary = message.summary;
      else if (message.type === 'error') log.warn({ item: message.item, during: message.during }, 'restic error');
      else if (message.type === 'status') {
        options.onProgress?.(message.status);
        const t = Date.now();
        if (t - lastLogged >= PROGRESS_LOG_MS) {
          lastLogged = t;
          const { filesDone, totalFiles, bytesDone, totalBytes, percentDone } = message.status;
          log.info({ filesDone, totalFiles, bytesDone, totalBytes, percentDone }, 'offsite push progress');
        }
      }
    },
  });
  if (outcome.code !== 0) throw restic.failure(`offsite push of ${source.snapshotId}`, outcome);
  const summary = seen.summary;
  if (!summary) throw new RunFailedError(`offsite push of ${source.snapshotId}: restic printed no summary`);
  // 0.14 reports the short id (0.17+ may omit it): the tag names exactly this night's snapshot.
  const pushed = (await listOurSnapshots(restic, { host: options.host, snapshotId: source.snapshotId })).at(-1);
  if (!pushed) throw new RunFailedError(`offsite push of ${source.snapshotId}: the new restic snapshot is not listed`);
  return finish(options, source, {
    resticSnapshotId: pushed.id,
    parent,
    uploaded: true,
    time: pushed.time,
    summary,
    started,
    staleLocksCleared,
  });
}

async function finish(
  options: PushOptions,
  source: PushSource,
  done: {
    resticSnapshotId: string;
    parent: string | null;
    uploaded: boolean;
    /** When restic took the copy. */
    time: string;
    summary: BackupSummary | null;
    started: Date;
    staleLocksCleared: number;
  },
): Promise<PushResult> {
  const at = (options.now ?? (() => new Date()))();
  const s = done.summary;
  const result: PushResult = {
    snapshotId: source.snapshotId,
    resticSnapshotId: done.resticSnapshotId,
    parent: done.parent,
    uploaded: done.uploaded,
    bytesAdded: s?.dataAdded ?? 0,
    bytesStored: s ? s.dataAddedPacked : done.uploaded ? null : 0,
    bytesProcessed: s?.totalBytesProcessed ?? 0,
    filesNew: s?.filesNew ?? 0,
    filesChanged: s?.filesChanged ?? 0,
    filesUnmodified: s?.filesUnmodified ?? 0,
    durationSeconds: Math.round((at.getTime() - done.started.getTime()) / 100) / 10,
    staleLocksCleared: done.staleLocksCleared,
  };
  await updateOffsiteState(options.stateDir, (state) => {
    const newer = !state.lastPush || state.lastPush.snapshotId <= source.snapshotId;
    return newer
      ? {
          ...state,
          lastPush: {
            snapshotId: result.snapshotId,
            resticSnapshotId: result.resticSnapshotId,
            at: done.time || at.toISOString(),
            bytesAdded: result.bytesAdded,
          },
        }
      : state;
  });
  options.log.info({ ...result }, done.uploaded ? 'offsite push done' : 'offsite copy already present');
  return result;
}
