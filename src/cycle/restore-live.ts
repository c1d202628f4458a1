import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../config/load';
import { restoreSnapshot } from '../engine/restore';
import { DamageError, RunFailedError, errnoCode, errorMessage } from '../errors';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import { entriesStillLocked, newJournal, readJournal } from '../lockout/journal';
import { observeHost } from '../lockout/observe';
import { describePlan, lockoutPlan, type PlanInput } from '../lockout/plan';
import { proveQuiet } from '../lockout/quiet';
import { recoverLockout, removeLockFromBeforeBoot } from '../lockout/recover';
import { LockoutSession, notUndoneError } from '../lockout/session';
import { startWatchdog } from '../lockout/watchdog';
import { formatSnapshotId } from '../store/layout';
import { acquireLockFile } from '../store/lock';
import type { SnapshotRef } from '../store/snapshots';
import type { LockoutStepTiming } from '../store/types';
import { writeLastRun, type LastRun } from './last-run';
import { RUN_LOCK_FILE } from './nightly';
import { checkHostReachable, planProblemsError } from './preflight';
import { installExitGuards, type ExitGuard } from './signals';
import { realSleep, sendToUsers, warnUsers, type Sleep } from './warn';

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
export async function restoreToLive(options: RestoreToLiveOptions): Promise<RestoreToLiveResult> {
  const { settings, host, log, snapshot } = options;
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? realSleep;
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

  await mkdir(settings.stateDir, { recursive: true });
  await removeLockFromBeforeBoot(path.join(settings.stateDir, RUN_LOCK_FILE), log);
  const runLock = await acquireLockFile(path.join(settings.stateDir, RUN_LOCK_FILE), { purpose: 'restore --to-live' });
  const startedAt = now();
  let last: Omit<LastRun, 'endedAt'> = {
    command: 'restore-to-live',
    result: 'failed',
    exitCode: 1,
    startedAt: startedAt.toISOString(),
    mode: null,
    snapshotId: snapshot.id,
    offlineSeconds: null,
    message: '',
    warnings: [],
  };
  let guard: ExitGuard | null = null;
  let session: LockoutSession | null = null;
  const controller = new AbortController();
  let stagingExists = false;
  try {
    const leftover = await readJournal(settings.stateDir);
    if (leftover && entriesStillLocked(leftover).length > 0) {
      log.warn('a killed run left AVImark locked out: giving it back first');
      await recoverLockout({ host, stateDir: settings.stateDir, log });
    }
    if (options.handleSignals !== false) {
      guard = installExitGuards({
        onSignal: (sig) => {
          log.warn(`received ${sig}: stopping${session ? ' and giving AVImark back' : ''}`);
          controller.abort(
            new RunFailedError(
              `interrupted by ${sig}; AVImark was given back and the live folder is unchanged unless the swap had completed (see the log)`,
            ),
          );
          void session?.giveBack(sig);
        },
        onFatal: async () => {
          controller.abort(new RunFailedError('stopped by an unexpected error'));
          if (!session) return 1;
          return (await session.giveBack('crash')).failures.length > 0 ? 4 : 1;
        },
      });
    }

    log.info({ staging }, `restoring snapshot ${snapshot.id} into ${staging}`);
    stagingExists = true;
    const restored = await restoreSnapshot(snapshot, staging, {
      liveSources: [source],
      dest: settings.destination,
      logger: log,
    });
    if (restored.problems.length > 0) {
      throw new DamageError(
        `snapshot ${snapshot.id} does not match its manifest (${restored.problems.length} file(s), e.g. ${restored.problems[0].path}: ${restored.problems[0].detail}); the live folder was not touched`,
        'restore an older snapshot ("avimark-backup list")',
      );
    }
    controller.signal.throwIfAborted();

    const warnings: string[] = [...restored.warnings];
    const lockout = settings.lockout;
    warnings.push(
      ...(await warnUsers({
        host,
        lockout,
        log,
        backBy: (at) => new Date(at.getTime() + 5 * 60_000),
        now,
        sleep,
        signal: controller.signal,
      })),
    );
    const fresh = lockoutPlan(planInput, await observeHost(host, planInput));
    if (fresh.problems.length > 0) throw planProblemsError(fresh.problems);
    const activeSession = new LockoutSession({
      host,
      stateDir: settings.stateDir,
      journal: newJournal('restore-to-live', source),
      log,
    });
    session = activeSession;
    await activeSession.begin();
    const watchdog = startWatchdog(lockout.maxLockoutMinutes, controller);
    let failure: unknown = null;
    let swapped = false;
    try {
      await activeSession.lockOut(fresh.steps, controller.signal);
      const quiet = await proveQuiet(host, lockout, source);
      if (!quiet.quiet)
        throw new RunFailedError(
          `AVImark is not quiet after the lockout, so the live folder was not replaced:\n${quiet.reasons.map((r) => `  - ${r}`).join('\n')}`,
        );
      controller.signal.throwIfAborted();
      await rename(source, rollbackDir);
      try {
        await rename(staging, source);
        stagingExists = false;
        swapped = true;
      } catch (err) {
        await rename(rollbackDir, source);
        throw new RunFailedError(
          `could not put the restored folder in place (${errorMessage(err)}); the live folder was put back`,
        );
      }
    } catch (err) {
      failure = err;
    } finally {
      watchdog.cancel();
    }
    const back = await activeSession.giveBack(failure ? 'failure' : 'done');
    warnings.push(...back.warnings);
    last = { ...last, offlineSeconds: activeSession.offlineSeconds() };
    if (back.failures.length > 0) throw notUndoneError(back.failures);
    warnings.push(...(await sendToUsers(host, log, lockout.backMessage)));
    if (failure) {
      if (failure instanceof RunFailedError) throw failure;
      throw new RunFailedError(
        `restore --to-live failed: ${errorMessage(failure)}; AVImark was given back and the live folder is unchanged`,
      );
    }
    if (swapped) await unrenameInRollback(fresh.steps, source, rollbackDir, warnings);
    last = {
      ...last,
      result: 'success',
      exitCode: 0,
      message: `snapshot ${snapshot.id} restored over ${source}; previous folder kept at ${rollbackDir}`,
    };
    return {
      dryRun: false,
      snapshotId: snapshot.id,
      source,
      rollbackDir,
      planText,
      offlineSeconds: activeSession.offlineSeconds(),
      lockoutSteps: activeSession.timings(),
      files: restored.files,
      bytes: restored.bytes,
      warnings,
    };
  } catch (err) {
    last = {
      ...last,
      exitCode: (err as { exitCode?: number }).exitCode === undefined ? 1 : (err as { exitCode: number }).exitCode,
      message: errorMessage(err),
    };
    throw err;
  } finally {
    guard?.uninstall();
    if (stagingExists) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    await writeLastRun(settings.stateDir, { ...last, endedAt: now().toISOString() }).catch(() => undefined);
    await runLock.release();
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
