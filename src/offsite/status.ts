import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../errors';

/**
 * What we remember about the offsite copies, in `<stateDir>/offsite-state.json`: the newest push,
 * the last check (and which slice of the repository the next one reads), the last attempt. `status`,
 * `list` and the report read it without touching the repository.
 */
export interface OffsiteState {
  lastPush: { snapshotId: string; resticSnapshotId: string; at: string; bytesAdded: number } | null;
  lastCheck: { at: string; ok: boolean; subset: string; message: string } | null;
  lastAttempt: { at: string; ok: boolean; message: string } | null;
  /** The slice (1..scrubDays) the next `offsite verify` reads. */
  nextScrubSlice: number;
}

export const EMPTY_STATE: OffsiteState = { lastPush: null, lastCheck: null, lastAttempt: null, nextScrubSlice: 1 };

export function offsiteStatePath(stateDir: string): string {
  return path.join(stateDir, 'offsite-state.json');
}

export async function readOffsiteState(stateDir: string): Promise<OffsiteState> {
  let text: string;
  try {
    text = await readFile(offsiteStatePath(stateDir), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { ...EMPTY_STATE };
    throw err;
  }
  try {
    return { ...EMPTY_STATE, ...(JSON.parse(text) as Partial<OffsiteState>) };
  } catch {
    // A torn or hand-edited file only costs the remembered status, never a run.
    return { ...EMPTY_STATE };
  }
}

/** Read, change, write atomically (temporary file + rename). */
export async function updateOffsiteState(
  stateDir: string,
  change: (state: OffsiteState) => OffsiteState,
): Promise<OffsiteState> {
  const next = change(await readOffsiteState(stateDir));
  await mkdir(stateDir, { recursive: true });
  const file = offsiteStatePath(stateDir);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(next, null, 2)}\n`);
  await rename(temp, file);
  return next;
}

export interface OffsiteStatus {
  newestCopy: { snapshotId: string; resticSnapshotId: string; at: string; ageDays: number } | null;
  lastCheck: { at: string; ok: boolean; subset: string; ageDays: number } | null;
  lastAttempt: { at: string; ok: boolean; message: string } | null;
  /** A sentence when the newest copy is older than maxAgeDays (or there is none), or the last check failed. */
  alert: string | null;
}

const DAY_MS = 86_400_000;

function ageDays(iso: string, now: Date): number {
  return Math.max(0, Math.round(((now.getTime() - Date.parse(iso)) / DAY_MS) * 10) / 10);
}

/** The age of the newest offsite copy and the last check, and the alert if one is due. Pure. */
export function offsiteStatus(state: OffsiteState, maxAgeDays: number, now: Date): OffsiteStatus {
  const newestCopy = state.lastPush ? { ...state.lastPush, ageDays: ageDays(state.lastPush.at, now) } : null;
  const lastCheck = state.lastCheck
    ? {
        at: state.lastCheck.at,
        ok: state.lastCheck.ok,
        subset: state.lastCheck.subset,
        ageDays: ageDays(state.lastCheck.at, now),
      }
    : null;
  let alert: string | null = null;
  if (!newestCopy) alert = 'there is no offsite copy yet';
  else if (newestCopy.ageDays > maxAgeDays)
    alert = `the newest offsite copy (${newestCopy.snapshotId}) is ${newestCopy.ageDays} days old (offsite.maxAgeDays is ${maxAgeDays})`;
  else if (lastCheck && !lastCheck.ok) alert = `the last offsite check failed: ${state.lastCheck?.message ?? ''}`;
  return { newestCopy, lastCheck, lastAttempt: state.lastAttempt, alert };
}
