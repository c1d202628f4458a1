import os from 'node:os';
import { RunFailedError, errnoCode } from '../errors';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import { startedBeforeBoot } from '../state/run-lock';
import { entriesStillLocked, readJournal, type Journal } from './journal';
import { LockoutSession, notUndoneError } from './session';
import { stepLabel } from './steps';

export interface RecoverResult {
  /** 'nothing': no journal, or nothing left locked. 'recovered': steps were given back. */
  action: 'nothing' | 'recovered';
  /** The steps that were undone, in the order they were undone. */
  undone: string[];
  warnings: string[];
  journalOwner: Journal['owner'] | null;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** Whether the process that wrote the journal may still be running (it then gives back itself). */
export function journalOwnerAlive(journal: Journal): boolean {
  if (journal.owner.pid === process.pid && journal.owner.hostname === os.hostname()) return false;
  if (journal.owner.hostname !== os.hostname()) return true; // cannot check another machine: assume alive
  if (startedBeforeBoot(journal.owner.startedAt)) return false;
  return pidAlive(journal.owner.pid);
}

/**
 * Undoes whatever a killed run left locked, from the journal alone. Idempotent: a no-op when there
 * is no journal or nothing in it is still locked. Refuses while the journal's owner is alive
 * (it gives back itself) unless `force`. Throws LockoutNotUndoneError (exit 4) when a step cannot be undone.
 */
export async function recoverLockout(options: {
  host: WindowsHost;
  stateDir: string;
  log: Logger;
  force?: boolean;
}): Promise<RecoverResult> {
  const journal = await readJournal(options.stateDir);
  if (journal === null) return { action: 'nothing', undone: [], warnings: [], journalOwner: null };
  const locked = entriesStillLocked(journal);
  if (locked.length > 0 && journalOwnerAlive(journal) && !options.force) {
    throw new RunFailedError(
      `a running avimark-backup (pid ${journal.owner.pid} on ${journal.owner.hostname}, started ${journal.owner.startedAt}) owns the lockout; it gives AVImark back itself`,
      'if that process is hung, stop it, or run "avimark-backup recover --force"',
    );
  }
  const session = new LockoutSession({ host: options.host, stateDir: options.stateDir, journal, log: options.log });
  const order = [...journal.entries].reverse().filter((e) => e.state !== 'undone');
  const result = await session.giveBack('recover');
  if (result.failures.length > 0) throw notUndoneError(result.failures);
  return {
    action: locked.length > 0 ? 'recovered' : 'nothing',
    undone: order.filter((e) => locked.includes(e)).map((e) => stepLabel(e.step)),
    warnings: result.warnings,
    journalOwner: journal.owner,
  };
}

/**
 * A lockout left by a killed run comes first: gives it back before anything else and returns the
 * warning for the run's summary, or null when nothing was left locked.
 */
export async function giveBackLeftover(host: WindowsHost, stateDir: string, log: Logger): Promise<string | null> {
  const leftover = await readJournal(stateDir);
  if (leftover === null || entriesStillLocked(leftover).length === 0) return null;
  log.warn({ owner: leftover.owner }, 'a killed run left AVImark locked out: giving it back first');
  await recoverLockout({ host, stateDir, log });
  return `a lockout left by an earlier run (pid ${leftover.owner.pid}) was given back before this run`;
}
