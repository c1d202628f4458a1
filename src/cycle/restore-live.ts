import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../config/load';
import { applyAcls } from '../engine/metadata';
import { restoreSnapshot } from '../engine/restore';
import { DamageError, RunFailedError, errnoCode, errorMessage } from '../errors';
import { isTransient, type RetryPolicy, withRetry } from '../fs/retry';
import type { FileSystem } from '../fs/types';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import { observeHost } from '../lockout/observe';
import { describePlan, lockoutPlan, planProblemsError, type PlanInput } from '../lockout/plan';
import { giveBackLeftover } from '../lockout/recover';
import { realSleep, type Sleep } from '../lockout/warn';
import { type WindowWords, withLockout } from '../lockout/window';
import { type NoteRun, recordedRun } from '../state/run';
import { type AclFile, readAclFile } from '../store/acl';
import { formatSnapshotId } from '../store/layout';
import type { SnapshotRef } from '../store/snapshots';
import type { LockoutStepTiming } from '../store/types';
import { checkHostReachable } from './preflight';

export interface RestoreToLiveOptions {
  settings: Settings;
  host: WindowsHost;
  log: Logger;
  snapshot: SnapshotRef;
  dryRun?: boolean;
  now?: () => Date;
  sleep?: Sleep;
  handleSignals?: boolean;
  /** The folder swap's file system (tests: a faulty one). Default node:fs. */
  fs?: SwapFs;
  /** How long a rename held by another program is tried again (tests: short). */
  swapRetry?: RetryPolicy;
}

/** The calls the folder swap makes. */
export type SwapFs = Pick<FileSystem, 'rename' | 'rm'>;

/**
 * A folder cannot be renamed while any handle inside it lacks delete sharing (Explorer showing it, an antivirus
 * scan, a command prompt whose current folder is inside): usually for a moment, so the swap tries again.
 */
const SWAP_RETRY: RetryPolicy = { retries: 12, retryMinTimeoutMs: 250, retryMaxTimeMs: 30_000 };
const HELD = new Set(['EPERM', 'EBUSY', 'EACCES']);
const isHeld = (err: unknown) => HELD.has(errnoCode(err) ?? '') || isTransient(err);

export interface RestoreToLiveResult {
  dryRun: boolean;
  snapshotId: string;
  source: string;
  /** Where the previous live folder was moved (kept, never deleted). Null for a dry run. */
  rollbackDir: string | null;
  planText: string[];
  offlineSeconds: number | null;
  lockoutSteps: LockoutStepTiming[];
  files: number;
  bytes: number;
  warnings: string[];
}

/**
 * Disaster recovery over live AVImark. The snapshot is first restored (and checked against its
 * manifest) into a staging folder beside the live one while AVImark still runs; then users are warned,
 * AVImark is locked out and proven quiet, the live folder is renamed aside as the rollback copy (never
 * deleted), the staging folder is renamed into its place, and AVImark is given back. The offline window
 * is two renames. Any failure before the swap leaves the live folder untouched; a failure in the swap
 * renames the rollback copy back.
 */
const RESTORE_WORDS: WindowWords = {
  work: 'the restore',
  notQuiet: 'the live folder was not replaced',
  stepFailed: 'the live folder is unchanged',
  afterStop: 'the live folder is unchanged unless the swap had completed (see the log)',
  watchdogHint: 'raise lockout.maxLockoutMinutes',
  failed: (why) => `restore --to-live failed: ${why}; AVImark was given back and the live folder is unchanged`,
};

export async function restoreToLive(options: RestoreToLiveOptions): Promise<RestoreToLiveResult> {
  const { settings, host, log, snapshot } = options;
  const now = options.now ?? (() => new Date());
  const source = path.resolve(settings.source);
  const stamp = formatSnapshotId(now());
  const staging = `${source}.restoring-${stamp}`;
  const rollbackDir = `${source}.before-restore-${stamp}`;
  const planInput: PlanInput = { lockout: settings.lockout, source };

  await checkHostReachable(host);
  const observed = await observeHost(host, planInput);
  const plan = lockoutPlan(planInput, observed);
  const planText = [
    `Restore snapshot ${snapshot.id} over the live folder ${source}`,
    `1. restore the snapshot into ${staging} and check every file against the manifest (AVImark still running)`,
    `2. warn users at ${settings.lockout.warnMinutes.join(', ')} minute(s), lock AVImark out, prove it is quiet`,
    `3. rename ${source} to ${rollbackDir} (the rollback copy, kept)`,
    `4. rename ${staging} to ${source}`,
    '5. give AVImark back',
    ...describePlan(plan, observed),
  ];
  if (options.dryRun) {
    for (const p of plan.problems) planText.push(`Problem: ${p.field ? `config ${p.field}: ` : ''}${p.message}`);
    return {
      dryRun: true,
      snapshotId: snapshot.id,
      source,
      rollbackDir: null,
      planText,
      offlineSeconds: null,
      lockoutSteps: [],
      files: 0,
      bytes: 0,
      warnings: plan.notes,
    };
  }
  if (plan.problems.length > 0) throw planProblemsError(plan.problems);

  const swap: Swap = {
    source,
    staging,
    rollbackDir,
    stagingExists: false,
    fs: options.fs ?? nodeFs,
    retry: options.swapRetry ?? SWAP_RETRY,
  };
  return recordedRun(
    {
      stateDir: settings.stateDir,
      log,
      command: 'restore-to-live',
      purpose: 'restore --to-live',
      now,
      known: { snapshotId: snapshot.id },
      successMessage: () => `snapshot ${snapshot.id} restored over ${source}; previous folder kept at ${rollbackDir}`,
    },
    async (note) => {
      try {
        return await swapUnderLockout(options, swap, now, note, planText);
      } finally {
        if (swap.stagingExists) await swap.fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
      }
    },
  );
}

interface Swap {
  source: string;
  staging: string;
  rollbackDir: string;
  /** The staging folder is there to remove if the run does not finish. */
  stagingExists: boolean;
  fs: SwapFs;
  retry: RetryPolicy;
}

/** Stage the snapshot (AVImark running), then in the lockout window swap the folders. */
async function swapUnderLockout(
  options: RestoreToLiveOptions,
  swap: Swap,
  now: () => Date,
  note: NoteRun,
  planText: string[],
): Promise<RestoreToLiveResult> {
  const { settings, host, log, snapshot } = options;
  const leftover = await giveBackLeftover(host, settings.stateDir, log);
  let restored: { files: number; bytes: number } = { files: 0, bytes: 0 };
  // Read (and checked) before anything changes: a damaged acl.json stops the restore with the live folder untouched.
  const acls = await readAclFile(nodeFs, settings.destination, snapshot.id);
  const { window } = await withLockout(
    {
      host,
      log,
      stateDir: settings.stateDir,
      lockout: settings.lockout,
      source: swap.source,
      purpose: 'restore-to-live',
      backByMinutes: settings.lockout.maxLockoutMinutes,
      now,
      sleep: options.sleep ?? realSleep,
      words: RESTORE_WORDS,
      handleSignals: options.handleSignals,
      onGivenBack: (offlineSeconds) => note({ offlineSeconds }),
    },
    {
      before: async (run) => {
        if (leftover) run.warnings.push(leftover);
        const staged = await stage(options, swap);
        restored = staged;
        run.warnings.push(...staged.warnings);
        run.signal.throwIfAborted();
      },
      under: async (run) => {
        run.signal.throwIfAborted();
        await swapFolders(swap, host, log);
        await reapplyAcls(host, swap.source, acls, run.warnings, log);
      },
      after: (_swapped, run, lockedOut) => unrenameInRollback(lockedOut.plan.steps, swap, run.warnings),
    },
  );
  return {
    dryRun: false,
    snapshotId: snapshot.id,
    source: swap.source,
    rollbackDir: swap.rollbackDir,
    planText,
    offlineSeconds: window.offlineSeconds,
    lockoutSteps: window.lockoutSteps,
    files: restored.files,
    bytes: restored.bytes,
    warnings: window.warnings,
  };
}

/** The snapshot into the staging folder, checked against its manifest; a damaged snapshot is refused (exit 3). */
async function stage(options: RestoreToLiveOptions, swap: Swap) {
  const { settings, log, snapshot } = options;
  log.info({ staging: swap.staging }, `restoring snapshot ${snapshot.id} into ${swap.staging}`);
  swap.stagingExists = true;
  const restored = await restoreSnapshot(snapshot, swap.staging, {
    liveSources: [swap.source],
    dest: settings.destination,
    logger: log,
  });
  if (restored.problems.length > 0) {
    throw new DamageError(
      `snapshot ${snapshot.id} does not match its manifest (${restored.problems.length} file(s), e.g. ${restored.problems[0].path}: ${restored.problems[0].detail}); the live folder was not touched`,
      'restore an older snapshot ("avimark-backup list")',
    );
  }
  return restored;
}

/**
 * The snapshot's NTFS access lists back on the folder now live, read back and compared: what did not come back
 * is a warning naming it (the data is in place and AVImark is given back either way).
 */
async function reapplyAcls(
  host: WindowsHost,
  source: string,
  acls: AclFile | null,
  warnings: string[],
  log: Logger,
): Promise<void> {
  if (!acls) {
    warnings.push(
      `the snapshot holds no folder permissions (NTFS access lists): ${source} keeps the ones it inherits; check them`,
    );
    return;
  }
  try {
    const { applied, problems } = await applyAcls(host, source, acls);
    log.info({ applied, problems: problems.length }, 'folder permissions put back');
    for (const p of problems) warnings.push(`permissions not restored as recorded: ${p}`);
  } catch (err) {
    warnings.push(
      `the folder permissions (NTFS access lists) could not be put back on ${source}: ${errorMessage(err)}`,
    );
  }
}

/** Renames, trying again while another program holds something inside the folder. */
function renameHeld(swap: Swap, from: string, to: string, log: Logger): Promise<void> {
  return withRetry(() => swap.fs.rename(from, to), swap.retry, {
    shouldRetry: isHeld,
    onRetry: (err) =>
      log.warn({ code: errnoCode(err) }, `renaming ${from} failed (${errorMessage(err)}); trying again`),
  });
}

/**
 * Who holds `folder`, as far as the server can tell: SMB clients with a file open inside, then the local
 * programs the Restart Manager names, else the usual suspects (a folder handle, such as a command prompt's
 * current folder, is not a file: the Restart Manager does not see it).
 */
async function whoHolds(host: WindowsHost, folder: string): Promise<string> {
  const open = await host.listOpenFiles(folder).catch(() => []);
  if (open.length > 0) {
    const who = open.slice(0, 5).map((f) => `${f.path} (${f.clientUserName} on ${f.clientComputerName})`);
    return `open over SMB: ${who.join(', ')}${open.length > 5 ? ` and ${open.length - 5} more` : ''}`;
  }
  const local = await host.listFileLockers(folder).catch(() => []);
  if (local.length > 0) {
    const who = local
      .slice(0, 5)
      .map((l) => `${l.name || 'a program'} (pid ${l.pid}${l.service ? `, service ${l.service}` : ''})`);
    return `open on this server by ${who.join(', ')}${local.length > 5 ? ` and ${local.length - 5} more` : ''}`;
  }
  return `a program (Explorer, antivirus, a command prompt whose current folder is inside) holds a file inside ${folder}`;
}

/**
 * The live folder aside as the rollback copy, the staging folder in its place. Renames held by another program
 * are tried again; if the live folder still cannot move, nothing changed; if the restored folder cannot move in,
 * the live folder is put back. Either way the error names what holds it.
 */
async function swapFolders(swap: Swap, host: WindowsHost, log: Logger): Promise<void> {
  try {
    await renameHeld(swap, swap.source, swap.rollbackDir, log);
  } catch (err) {
    const holder = isHeld(err) ? `: ${await whoHolds(host, swap.source)}` : '';
    throw new RunFailedError(
      `could not move the live folder ${swap.source} aside (${errorMessage(err)})${holder}; nothing was changed, the live folder is in place`,
      'close what holds it (an Explorer window, an antivirus scan of the folder) and run the restore again',
    );
  }
  try {
    await renameHeld(swap, swap.staging, swap.source, log);
    swap.stagingExists = false;
  } catch (err) {
    const holder = isHeld(err) ? `: ${await whoHolds(host, swap.staging)}` : '';
    try {
      await renameHeld(swap, swap.rollbackDir, swap.source, log);
    } catch (back) {
      throw new RunFailedError(
        `could not put the restored folder in place (${errorMessage(err)})${holder}, nor the live folder back (${errorMessage(back)}): the live folder is at ${swap.rollbackDir}`,
        `rename ${swap.rollbackDir} back to ${swap.source} by hand before starting AVImark`,
      );
    }
    throw new RunFailedError(
      `could not put the restored folder in place (${errorMessage(err)})${holder}; the live folder was put back`,
      'close what holds it and run the restore again',
    );
  }
}

/** The rollback copy still has the executables under their locked names: give them their real names back. */
async function unrenameInRollback(
  steps: ReturnType<typeof lockoutPlan>['steps'],
  swap: Swap,
  warnings: string[],
): Promise<void> {
  const { source, rollbackDir } = swap;
  for (const step of steps) {
    if (step.kind !== 'renameExecutable') continue;
    const rel = path.relative(source, step.path);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    try {
      await swap.fs.rename(path.join(rollbackDir, path.relative(source, step.lockedPath)), path.join(rollbackDir, rel));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT')
        warnings.push(
          `could not rename ${step.lockedPath} back inside the rollback copy ${rollbackDir}: ${errorMessage(err)}`,
        );
    }
  }
}
