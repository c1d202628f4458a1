import path from 'node:path';
import type { SnapshotId } from '../store/types';

/** Pure decisions of a restore drill: where it restores, what it runs, what it requires. */

export const SCRATCH_FOLDER = 'drill-scratch';

/** DEST/drill-scratch/<id>-<yyyymmddThhmmss>: on the destination volume, never near the live folder. */
export function scratchFolder(dest: string, id: SnapshotId, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return path.join(dest, SCRATCH_FOLDER, `${id}-${stamp}`);
}

/** The administrator's argv with every `{dir}` replaced by the restored folder (no shell ever sees it). */
export function expandCommand(argv: readonly string[], dir: string): string[] {
  return argv.map((arg) => arg.split('{dir}').join(dir));
}

/** argv as one line for records and messages: arguments with spaces or quotes are double-quoted. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => (a === '' || /[\s"]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' ');
}

/**
 * Required files missing from the snapshot. Windows file names are case-insensitive, so `client.v2$`
 * in the configuration matches `CLIENT.V2$` in the snapshot on every platform.
 */
export function missingRequiredFiles(required: readonly string[], files: ReadonlySet<string>): string[] {
  const present = new Set([...files].map(foldPath));
  return required.filter((r) => !present.has(foldPath(r)));
}

export function foldPath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '').toLowerCase();
}

/** The bounded tail of a command's output kept for the record (the start of long output rarely says why). */
export const OUTPUT_TAIL_CHARS = 4000;

export function appendTail(tail: string, chunk: string, limit = OUTPUT_TAIL_CHARS): string {
  const joined = tail + chunk;
  return joined.length > limit ? joined.slice(joined.length - limit) : joined;
}

/** The last few lines of output, for a one-line problem message. */
export function lastLines(output: string, lines = 3, maxChars = 400): string {
  const picked = output
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ');
  return picked.length > maxChars ? `…${picked.slice(picked.length - maxChars + 1)}` : picked;
}
