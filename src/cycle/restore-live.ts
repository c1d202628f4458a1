import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../config/load';
import { restoreSnapshot } from '../engine/restore';
import { DamageError, RunFailedError, errnoCode, errorMessage } from '../errors';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import { observeHost } from '../lockout/observe';
import { describePlan, lockoutPlan, planProblemsError, type PlanInput } from '../lockout/plan';
import { giveBackLeftover } from '../lockout/recover';
import { realSleep, type Sleep } from '../lockout/warn';
import { type WindowWords, withLockout } from '../lockout/window';
import { type NoteRun, recordedRun } from '../state/run';
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
}

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

  const swap = { source, staging, rollbackDir, stagingExists: false };
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
        if (swap.stagingExists) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
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
        await swapFolders(swap);
      },
      after: (_swapped, run, lockedOut) =>
        unrenameInRollback(lockedOut.plan.steps, swap.source, swap.rollbackDir, run.warnings),
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

/** The live folder aside as the rollback copy, the staging folder in its place; a failed second rename puts the live folder back. */
async function swapFolders(swap: Swap): Promise<void> {
  await rename(swap.source, swap.rollbackDir);
  try {
    await rename(swap.staging, swap.source);
    swap.stagingExists = false;
  } catch (err) {
    await rename(swap.rollbackDir, swap.source);
    throw new RunFailedError(
      `could not put the restored folder in place (${errorMessage(err)}); the live folder was put back`,
    );
  }
}

/** The rollback copy still has the executables under their locked names: give them their real names back. */
async function unrenameInRollback(
  steps: ReturnType<typeof lockoutPlan>['steps'],
  source: string,
  rollbackDir: string,
  warnings: string[],
): Promise<void> {
  for (const step of steps) {
    if (step.kind !== 'renameExecutable') continue;
    const rel = path.relative(source, step.path);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    try {
      await rename(path.join(rollbackDir, path.relative(source, step.lockedPath)), path.join(rollbackDir, rel));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT')
        warnings.push(
          `could not rename ${step.lockedPath} back inside the rollback copy ${rollbackDir}: ${errorMessage(err)}`,
        );
    }
  }
}
