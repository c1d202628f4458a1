import * as nodeFs from 'node:fs/promises';
import os from 'node:os';
import { RunFailedError, errnoCode } from '../errors';
import { journalPath, lastJournalPath } from '../state/paths';
import { type AtomicFs, writeFileAtomic } from '../fs/durable';
import { ownIdentity } from '../fs/process-identity';
import { readFileIfExists } from '../fs/read';
import { isReversible, type LockoutStep } from './steps';

/**
 * The lockout journal: a step is written here as 'pending' BEFORE it is taken, then 'done'
 * (or 'failed'); giving back marks it 'undone'. It holds everything needed to undo every step
 * with no other input, so `recover` can finish what a killed process left.
 *
 * Lives at <stateDir>/lockout-journal.json while anything may be locked; once everything is
 * given back it is moved to <stateDir>/lockout-journal.last.json (what `status` shows as the last lockout).
 */
export type StepState = 'pending' | 'done' | 'failed' | 'undone';

export interface JournalEntry {
  step: LockoutStep;
  state: StepState;
  startedAt: string | null;
  /** How long taking the step took. */
  seconds: number | null;
  /** What the step did (closed files, stopped pids …) or why it failed. */
  detail: string[];
  undoneAt: string | null;
}

export interface JournalOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  /** The owner's process creation time and image name (issue 13 §1: a reused PID is not the owner). Absent in older journals. */
  createdAt?: string | null;
  image?: string | null;
}

export interface Journal {
  format: 'avimark-backup-lockout-journal';
  version: 1;
  purpose: 'backup' | 'restore-to-live';
  source: string;
  owner: JournalOwner;
  entries: JournalEntry[];
}

export function newJournal(purpose: Journal['purpose'], source: string, now: Date = new Date()): Journal {
  return {
    format: 'avimark-backup-lockout-journal',
    version: 1,
    purpose,
    source,
    owner: { ...ownIdentity(), hostname: os.hostname(), startedAt: now.toISOString() },
    entries: [],
  };
}

export async function writeJournal(stateDir: string, journal: Journal, fs: AtomicFs = nodeFs): Promise<void> {
  await writeFileAtomic(fs, journalPath(stateDir), `${JSON.stringify(journal, null, 2)}\n`, { createDir: true });
}

/** The current journal, or null when none exists (nothing was left locked). */
export async function readJournal(stateDir: string, fs: AtomicFs = nodeFs): Promise<Journal | null> {
  return parseJournalFile(journalPath(stateDir), fs);
}

export async function readLastJournal(stateDir: string, fs: AtomicFs = nodeFs): Promise<Journal | null> {
  return parseJournalFile(lastJournalPath(stateDir), fs);
}

async function parseJournalFile(file: string, fs: AtomicFs): Promise<Journal | null> {
  const text = await readFileIfExists(fs, file);
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RunFailedError(
      `the lockout journal ${file} is not valid JSON (${(err as Error).message})`,
      "It is written atomically, so this means it was edited or the disk is damaged. Check by hand that the AVImark share ACL, the services' start types and the executables' names are as they should be, then delete the file.",
    );
  }
  if (!isJournal(parsed)) {
    throw new RunFailedError(`the lockout journal ${file} is not an avimark-backup journal (version 1)`);
  }
  return parsed;
}

function isJournal(value: unknown): value is Journal {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Journal>;
  return (
    v.format === 'avimark-backup-lockout-journal' &&
    v.version === 1 &&
    Array.isArray(v.entries) &&
    typeof v.owner === 'object'
  );
}

/** Entries whose effect may still be in place (anything not yet undone that changes the server). */
export function entriesStillLocked(journal: Journal): JournalEntry[] {
  return journal.entries.filter((e) => e.state !== 'undone' && isReversible(e.step));
}

/** Moves a fully given-back journal out of the way (kept as the last lockout for `status`). */
export async function retireJournal(stateDir: string, fs: AtomicFs = nodeFs): Promise<void> {
  try {
    await fs.rename(journalPath(stateDir), lastJournalPath(stateDir));
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}
