import os from 'node:os';
import { RunFailedError, errorMessage } from '../errors';
import { ownerAlive } from '../fs/process-identity';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import { startedBeforeBoot } from '../state/run-lock';
import { entriesStillLocked, newJournal, readJournal, type Journal, type JournalEntry } from './journal';
import { recoverShadowCopies } from './shadow-journal';
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

/**
 * Whether the process that wrote the journal may still be running (it then gives back itself): its PID,
 * creation time and image name, not the PID alone (src/fs/process-identity.ts ownerAlive).
 */
export function journalOwnerAlive(journal: Journal): boolean {
  if (journal.owner.pid === process.pid && journal.owner.hostname === os.hostname()) return false;
  if (journal.owner.hostname !== os.hostname()) return true; // cannot check another machine: assume alive
  if (startedBeforeBoot(journal.owner.startedAt)) return false;
  return ownerAlive(journal.owner);
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
  /** How long to wait for the Server service / SMB provider / service manager to answer (boot); lockout.recoverWaitMinutes. Default 5. */
  waitMinutes?: number;
  sleep?: (ms: number) => Promise<void>;
}): Promise<RecoverResult> {
  const journal = await readJournal(options.stateDir);
  if (journal === null)
    return { action: 'nothing', undone: [], warnings: await leftoverShadows(options), journalOwner: null };
  const locked = entriesStillLocked(journal);
  if (locked.length > 0 && journalOwnerAlive(journal) && !options.force) {
    throw new RunFailedError(
      `a running avimark-backup (pid ${journal.owner.pid} on ${journal.owner.hostname}, started ${journal.owner.startedAt}) owns the lockout; it gives AVImark back itself`,
      'if that process is hung, stop it, or run "avimark-backup recover --force"',
    );
  }
  if (locked.length > 0) await waitUntilHostAnswers(options, locked);
  const session = new LockoutSession({ host: options.host, stateDir: options.stateDir, journal, log: options.log });
  const order = [...journal.entries].reverse().filter((e) => e.state !== 'undone');
  const result = await session.giveBack('recover');
  if (result.failures.length > 0) throw notUndoneError(result.failures);
  return {
    action: locked.length > 0 ? 'recovered' : 'nothing',
    undone: order.filter((e) => locked.includes(e)).map((e) => stepLabel(e.step)),
    warnings: [...result.warnings, ...(await leftoverShadows(options))],
    journalOwner: journal.owner,
  };
}

/** Default of recoverLockout's `waitMinutes`: at boot the Server service and the SMB WMI provider may take minutes. */
export const DEFAULT_RECOVER_WAIT_MINUTES = 5;

/** Reads what undoing `step` reads first: answers once the part of the server it needs is up. */
function probeFor(host: WindowsHost, step: JournalEntry['step']): Promise<unknown> {
  switch (step.kind) {
    case 'lockShareSddl':
    case 'removeShare':
      return host.getShare(step.share);
    case 'stopService':
      return host.getService(step.service);
    case 'renameExecutable':
      return host.pathExists(step.lockedPath);
    default:
      return Promise.resolve();
  }
}

/**
 * At boot the Server service, the SMB WMI provider and the service manager may not answer yet (issue 13 §6):
 * reads what each locked step needs until everything answers in one round, waiting a little longer each
 * time, for up to `waitMinutes`. Then give-back runs either way (and says exactly what stayed locked).
 */
async function waitUntilHostAnswers(
  options: { host: WindowsHost; log: Logger; waitMinutes?: number; sleep?: (ms: number) => Promise<void> },
  locked: JournalEntry[],
): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + (options.waitMinutes ?? DEFAULT_RECOVER_WAIT_MINUTES) * 60_000;
  let delayMs = 1000;
  for (let round = 1; ; round += 1) {
    try {
      for (const entry of locked) await probeFor(options.host, entry.step);
      if (round > 1) options.log.info(`the server answers now (after ${round} tries): giving AVImark back`);
      return;
    } catch (err) {
      if (Date.now() + delayMs > deadline) {
        options.log.warn({ err: errorMessage(err) }, 'the server still does not answer: giving back anyway');
        return;
      }
      options.log.warn(
        { err: errorMessage(err), round },
        `the server does not answer yet (booting?): trying again in ${delayMs / 1000} s`,
      );
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 1.5, 10_000);
    }
  }
}

/** The shadow copy a run left (issue 13 §4, src/lockout/shadow-journal.ts); after the lockout, so AVImark is back first. */
function leftoverShadows(options: { host: WindowsHost; stateDir: string; log: Logger; force?: boolean }) {
  return recoverShadowCopies({
    ...options,
    ownerAlive: (owner) => journalOwnerAlive({ ...newJournal('backup', ''), owner }),
  });
}

/**
 * A lockout left by a killed run comes first: gives it back before anything else and returns the
 * warning for the run's summary, or null when nothing was left locked.
 */
export async function giveBackLeftover(host: WindowsHost, stateDir: string, log: Logger): Promise<string | null> {
  const leftover = await readJournal(stateDir);
  if (leftover === null || entriesStillLocked(leftover).length === 0) {
    const shadows = await leftoverShadows({ host, stateDir, log });
    return shadows.length > 0 ? shadows.join('; ') : null;
  }
  log.warn({ owner: leftover.owner }, 'a killed run left AVImark locked out: giving it back first');
  await recoverLockout({ host, stateDir, log });
  return `a lockout left by an earlier run (pid ${leftover.owner.pid}) was given back before this run`;
}
