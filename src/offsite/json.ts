/**
 * restic's --json output, parsed defensively for 0.14 through 0.18+: missing numbers are 0, the
 * summary's snapshot_id may be the short id (0.14), the full id (0.15+) or absent (0.17+ skip), the
 * scan-finished line is a `status` (before 0.16) or `verbose_status`. Pure.
 */

export interface BackupStatus {
  percentDone: number;
  secondsElapsed: number;
  secondsRemaining: number | null;
  totalFiles: number;
  filesDone: number;
  totalBytes: number;
  bytesDone: number;
  errorCount: number;
}

export interface BackupSummary {
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  /** Bytes of new data before compression (`data_added`). */
  dataAdded: number;
  /** The same after compression, as stored (`data_added_packed`, restic 0.17+); null when restic does not say. */
  dataAddedPacked: number | null;
  totalFilesProcessed: number;
  totalBytesProcessed: number;
  totalDuration: number;
  snapshotId: string | null;
}

export type BackupMessage =
  | { type: 'status'; status: BackupStatus }
  | { type: 'summary'; summary: BackupSummary }
  | { type: 'error'; item: string; during: string }
  | { type: 'other' };

/** What restic's `snapshots --json` lists about one snapshot. */
export interface ResticSnapshot {
  id: string;
  shortId: string;
  time: string;
  hostname: string;
  paths: string[];
  tags: string[];
  parent: string | null;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

export function parseBackupLine(line: string): BackupMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { type: 'other' };
  }
  const m = record(parsed);
  if (!m) return { type: 'other' };
  switch (m.message_type) {
    case 'status':
      return {
        type: 'status',
        status: {
          percentDone: num(m.percent_done),
          secondsElapsed: num(m.seconds_elapsed),
          secondsRemaining: typeof m.seconds_remaining === 'number' ? m.seconds_remaining : null,
          totalFiles: num(m.total_files),
          filesDone: num(m.files_done),
          totalBytes: num(m.total_bytes),
          bytesDone: num(m.bytes_done),
          errorCount: num(m.error_count),
        },
      };
    case 'summary':
      return {
        type: 'summary',
        summary: {
          filesNew: num(m.files_new),
          filesChanged: num(m.files_changed),
          filesUnmodified: num(m.files_unmodified),
          dataAdded: num(m.data_added),
          dataAddedPacked: typeof m.data_added_packed === 'number' ? num(m.data_added_packed) : null,
          totalFilesProcessed: num(m.total_files_processed),
          totalBytesProcessed: num(m.total_bytes_processed),
          totalDuration: num(m.total_duration),
          snapshotId: str(m.snapshot_id) || null,
        },
      };
    case 'error':
      return { type: 'error', item: str(m.item), during: str(m.during) };
    default:
      return { type: 'other' };
  }
}

/** `snapshots --json` (one array); throws on anything else. */
export function parseSnapshots(text: string): ResticSnapshot[] {
  const parsed: unknown = JSON.parse(text.trim() === '' ? '[]' : text);
  if (!Array.isArray(parsed)) throw new Error('restic snapshots --json did not print a list');
  const result: ResticSnapshot[] = [];
  for (const item of parsed) {
    const s = record(item);
    if (!s || typeof s.id !== 'string') continue;
    result.push({
      id: s.id,
      shortId: str(s.short_id) || s.id.slice(0, 8),
      time: str(s.time),
      hostname: str(s.hostname),
      paths: Array.isArray(s.paths) ? s.paths.filter((p): p is string => typeof p === 'string') : [],
      tags: Array.isArray(s.tags) ? s.tags.filter((t): t is string => typeof t === 'string') : [],
      parent: str(s.parent) || null,
    });
  }
  return result.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}
