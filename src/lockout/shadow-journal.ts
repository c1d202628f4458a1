import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { RunFailedError, errnoCode, errorMessage } from '../errors';
import { type AtomicFs, writeFileAtomic } from '../fs/durable';
import { readFileIfExists } from '../fs/read';
import type { ListedShadowCopy, WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import { type JournalOwner, newJournal } from './journal';

/**
 * The shadow copy a vss run takes, journaled BEFORE Win32_ShadowCopy.Create is called (the volume, when, and
 * which shadow copies were there already) and again with its ID once known. It outlives the lockout (the copy
 * is made from the shadow once AVImark is back) and is removed once the shadow copy is deleted. `recover` (and
 * the next run) delete what a killed or failed run left, including a shadow copy whose Create completed after
 * the run had given up waiting.
 */
export interface ShadowRecord {
  format: 'avimark-backup-shadow-journal';
  version: 1;
  owner: JournalOwner;
  volume: string;
  /** When Create was first called (ISO 8601). */
  requestedAt: string;
  /** IDs of the volume's shadow copies before Create: never ours. */
  before: string[];
  /** Ours, once Create answered. */
  id: string | null;
}

/**
 * How long after the request a Create we gave up on may still complete. Only a shadow copy that appeared on the
 * volume in this window and was not there before counts as ours.
 */
export const LATE_SHADOW_WINDOW_MS = 15 * 60_000;
/** Clock tolerance between our request time and the server's InstallDate (the same machine in production). */
const CLOCK_SLACK_MS = 5_000;

export function shadowJournalPath(stateDir: string): string {
  return path.join(stateDir, 'shadow-journal.json');
}

export function newShadowRecord(volume: string, before: string[], now: Date = new Date()): ShadowRecord {
  return {
    format: 'avimark-backup-shadow-journal',
    version: 1,
    owner: newJournal('backup', volume, now).owner,
    volume,
    requestedAt: now.toISOString(),
    before,
    id: null,
  };
}

export async function writeShadowRecord(stateDir: string, record: ShadowRecord, fs: AtomicFs = nodeFs): Promise<void> {
  await writeFileAtomic(fs, shadowJournalPath(stateDir), `${JSON.stringify(record, null, 2)}\n`, { createDir: true });
}

export async function readShadowRecord(stateDir: string, fs: AtomicFs = nodeFs): Promise<ShadowRecord | null> {
  const file = shadowJournalPath(stateDir);
  const text = await readFileIfExists(fs, file);
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as Partial<ShadowRecord>;
    if (parsed.format === 'avimark-backup-shadow-journal' && parsed.version === 1 && typeof parsed.volume === 'string')
      return parsed as ShadowRecord;
  } catch {
    // reported below
  }
  throw new RunFailedError(
    `the shadow copy journal ${file} is not valid`,
    'list the shadow copies with "vssadmin list shadows", delete the one avimark-backup made, then delete the file',
  );
}

export async function removeShadowRecord(stateDir: string, fs: AtomicFs = nodeFs): Promise<void> {
  try {
    await fs.rm(shadowJournalPath(stateDir), { force: true });
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Ours among the volume's shadow copies: the recorded ID; without one, those that were not there before and
 * were created from the request until LATE_SHADOW_WINDOW_MS after it. Pure.
 */
export function oursAmong(record: ShadowRecord, listed: ListedShadowCopy[]): ListedShadowCopy[] {
  const { id } = record;
  if (id !== null) return listed.filter((s) => same(s.id, id));
  const requested = Date.parse(record.requestedAt);
  return listed.filter((s) => {
    if (record.before.some((b) => same(b, s.id))) return false;
    const created = Date.parse(s.createdAt);
    return created >= requested - CLOCK_SLACK_MS && created <= requested + LATE_SHADOW_WINDOW_MS;
  });
}

/**
 * Deletes the shadow copy a run left (see ShadowRecord). Leaves it alone while its run is alive (that run copies
 * from it and deletes it) unless `force`. Keeps the record while a late Create may still complete. Returns notes.
 */
export async function recoverShadowCopies(options: {
  host: WindowsHost;
  stateDir: string;
  log: Logger;
  ownerAlive: (owner: JournalOwner) => boolean;
  force?: boolean;
  now?: () => number;
}): Promise<string[]> {
  const { host, stateDir, log } = options;
  const record = await readShadowRecord(stateDir);
  if (record === null) return [];
  if (!options.force && options.ownerAlive(record.owner)) return [];
  const ours = oursAmong(record, await host.listShadowCopies(record.volume));
  const notes: string[] = [];
  for (const s of ours) {
    try {
      await host.deleteShadowCopy(s.id);
    } catch (err) {
      throw new RunFailedError(
        `the shadow copy ${s.id} of ${record.volume} left by an earlier run could not be deleted: ${errorMessage(err)}`,
        `delete it with: vssadmin delete shadows /shadow=${s.id} /quiet`,
      );
    }
    const note = `the shadow copy ${s.id} of ${record.volume} left by an earlier run was deleted`;
    log.warn(note);
    notes.push(note);
  }
  const now = options.now?.() ?? Date.now();
  const lateStillPossible = record.id === null && now < Date.parse(record.requestedAt) + LATE_SHADOW_WINDOW_MS;
  if (ours.length > 0 || !lateStillPossible) await removeShadowRecord(stateDir);
  return notes;
}
