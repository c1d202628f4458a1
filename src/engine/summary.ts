import { formatBytes } from '../format/bytes';
import { formatDuration } from '../format/duration';
import type { RunRecord } from '../store/types';

/** What `backup --json` prints (and what the text summary is rendered from). */
export interface BackupSummary {
  snapshotId: string;
  result: RunRecord['result'];
  mode: RunRecord['mode'];
  source: string;
  dest: string;
  /** Files in the snapshot. */
  filesTotal: number;
  /** Files in the snapshot whose content was copied (by this run or, when resumed, by the interrupted one). */
  filesCopied: number;
  /** Files hard-linked to the previous snapshot. */
  filesLinked: number;
  bytesTotal: number;
  /** Bytes this run read and copied (a resumed run does not count what was already copied). */
  bytesCopied: number;
  /** Files this process copied (less than filesCopied when resumed). */
  filesCopiedThisRun: number;
  durationSeconds: number;
  /** Null when no lockout ran. */
  offlineSeconds: number | null;
  resumed: boolean;
  warnings: string[];
}

export function summaryFromRecord(
  record: RunRecord,
  dest: string,
  thisRun: { filesCopied: number; bytesCopied: number },
): BackupSummary {
  return {
    snapshotId: record.snapshotId,
    result: record.result,
    mode: record.mode,
    source: record.source,
    dest,
    filesTotal: record.filesTotal,
    filesCopied: record.filesCopied,
    filesLinked: record.filesLinked,
    bytesTotal: record.bytesTotal,
    bytesCopied: record.bytesCopied,
    filesCopiedThisRun: thisRun.filesCopied,
    durationSeconds: Math.round(record.durationSeconds * 1000) / 1000,
    offlineSeconds: record.offlineSeconds,
    resumed: record.resumed,
    warnings: record.warnings,
  };
}

export function renderSummary(s: BackupSummary): string {
  const lines = [
    `Snapshot ${s.snapshotId} is complete${s.resumed ? ' (resumed after an interruption)' : ''}.`,
    `  files:    ${s.filesTotal} (${s.filesCopied} copied, ${s.filesLinked} unchanged and hard-linked)`,
    `  size:     ${formatBytes(s.bytesTotal)}, ${formatBytes(s.bytesCopied)} copied by this run`,
    `  duration: ${formatDuration(s.durationSeconds)}${s.offlineSeconds === null ? '' : `, AVImark offline ${formatDuration(s.offlineSeconds)}`}`,
    `  location: ${s.dest}`,
  ];
  if (s.warnings.length > 0) {
    lines.push(`  warnings (${s.warnings.length}):`);
    for (const w of s.warnings) lines.push(`    - ${w}`);
  }
  return lines.join('\n');
}
