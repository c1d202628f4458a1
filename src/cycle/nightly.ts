import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../config/load';
import { openSnapshot, checkSourceAndDest, type BackupProgress, type SnapshotInProgress } from '../engine/backup';
import { AppError, LockoutNotUndoneError, RunFailedError, errorMessage } from '../errors';
import { createShadowFs } from '../fs/shadow';
import { localFs } from '../fs/local';
import type { FileSystem } from '../fs/types';
import { shadowPath } from '../host/shadow-path';
import type { ShadowCopyInfo, WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import { StepFailedError } from '../lockout/apply';
import { entriesStillLocked, newJournal, readJournal } from '../lockout/journal';
import { observeHost } from '../lockout/observe';
import { describePlan, lockoutPlan, type LockoutPlan, type PlanInput } from '../lockout/plan';
import { proveQuiet } from '../lockout/quiet';
import { recoverLockout, removeLockFromBeforeBoot } from '../lockout/recover';
import { LockoutInterruptedError, LockoutSession, notUndoneError } from '../lockout/session';
import { stepLabel, type LockoutStep } from '../lockout/steps';
import { WatchdogFiredError, startWatchdog } from '../lockout/watchdog';
import { metaDir, newSnapshotId, runRecordPath, snapshotDir } from '../store/layout';
import { writeFileAtomic } from '../store/durable';
import { acquireLockFile, type HeldLock } from '../store/lock';
import { readRunRecord, writeRunRecord } from '../store/run-record';
import type { LockoutStepTiming, RunRecord } from '../store/types';
import { createRenamedFilesFs, type RenamedFile } from './alias-fs';
import { runRecordOfLastRun, writeLastRun, type LastRun } from './last-run';
import { expectedOfflineMinutes, resolveMode, type CycleMode } from './mode';
import { checkDestinationRoom, checkHostReachable, expectedCopyBytes, planProblemsError } from './preflight';
import { installExitGuards, type ExitGuard, type ExitSignal } from './signals';
import { realSleep, sendToUsers, warnUsers, type Sleep } from './warn';

export interface NightlyCycleOptions {
  settings: Settings;
  host: WindowsHost;
  log: Logger;
  dryRun?: boolean;
  checksum?: boolean;
  onProgress?: (progress: BackupProgress) => void;
  now?: () => Date;
  sleep?: Sleep;
  /** Read the source through this (tests inject faults); default: the local disk. */
  sourceFs?: FileSystem;
  /** Catch SIGINT/SIGTERM/SIGBREAK/SIGHUP and crashes to give AVImark back (default true; in-process tests pass false). */
  handleSignals?: boolean;
  /** Stops the run like a signal would (tests). */
  signal?: AbortSignal;
}

export interface NightlyCycleResult {
  dryRun: boolean;
  mode: CycleMode;
  modeReason: string;
  /** The plan in words (what --dry-run prints). */
  planText: string[];
  record: RunRecord | null;
  snapshotId: string | null;
  offlineSeconds: number | null;
  lockoutSteps: LockoutStepTiming[];
  warnings: string[];
  expectedCopy: { bytes: number; files: number };
}

/** A stop was requested (signal or caller). */
class StopRequested extends Error {
  constructor(readonly why: ExitSignal | 'abort') {
    super(`interrupted by ${why}`);
    this.name = 'StopRequested';
  }
}

export const RUN_LOCK_FILE = 'run.lock';

/**
 * The nightly cycle: preflight (changes nothing) → warn users → lock out (journal first) → prove
 * quiet → copy by mode → give back (always) → commit. See docs/nightly-cycle.md.
 */
export async function runNightlyCycle(options: NightlyCycleOptions): Promise<NightlyCycleResult> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const { settings } = options;
  let runLock: HeldLock | null = null;
  if (!options.dryRun) {
    await mkdir(settings.stateDir, { recursive: true });
    await removeLockFromBeforeBoot(path.join(settings.stateDir, RUN_LOCK_FILE), options.log);
    runLock = await acquireLockFile(path.join(settings.stateDir, RUN_LOCK_FILE), { purpose: 'backup' });
  }
  let last: Omit<LastRun, 'endedAt'> = {
    command: 'backup',
    result: 'failed',
    exitCode: 1,
    startedAt: startedAt.toISOString(),
    mode: null,
    snapshotId: null,
    offlineSeconds: null,
    message: '',
    warnings: [],
  };
  try {
    const result = await cycle(options, now, startedAt, (update) => (last = { ...last, ...update }));
    last = {
      ...last,
      result: 'success',
      exitCode: 0,
      message: result.dryRun ? 'dry run' : `snapshot ${result.snapshotId} created`,
    };
    return result;
  } catch (err) {
    const exitCode = err instanceof AppError ? err.exitCode : 1;
    last = {
      ...last,
      result: /interrupted|SIG/.test(errorMessage(err)) ? 'interrupted' : 'failed',
      exitCode,
      message: errorMessage(err),
    };
    throw err;
  } finally {
    if (runLock) {
      const endedAt = now();
      await writeLastRun(settings.stateDir, { ...last, endedAt: endedAt.toISOString() }).catch((err: unknown) =>
        options.log.warn({ err: errorMessage(err) }, 'could not write last-run.json'),
      );
      if (last.result !== 'success') {
        await writeFailedRunRecord(settings, last, startedAt, endedAt).catch((err: unknown) =>
          options.log.warn({ err: errorMessage(err) }, "could not write the failed run's record in the store"),
        );
      }
      await runLock.release();
    }
  }
}

/**
 * A failed or interrupted run that had opened a snapshot leaves DEST/meta/<ID>/run.json (no manifest,
 * so it is never listed as a snapshot) for the history and the report. A run that resumes the partial
 * later commits the same id and replaces this record with its own.
 */
export async function writeFailedRunRecord(
  settings: Settings,
  last: Omit<LastRun, 'endedAt'>,
  startedAt: Date,
  endedAt: Date,
): Promise<boolean> {
  if (!last.snapshotId || last.result === 'success') return false;
  if (await pathExists(snapshotDir(settings.destination, last.snapshotId))) return false;
  const known = runRecordOfLastRun(
    { ...last, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString() },
    settings.source,
  );
  const record: RunRecord = { ...known, snapshotId: last.snapshotId, mode: known.mode ?? 'offline' };
  await mkdir(metaDir(settings.destination, last.snapshotId), { recursive: true });
  await writeRunRecord(settings.destination, record);
  return true;
}

/** The failed run's record of a partial that is being resumed (the commit replaces meta/<ID>). */
async function readFailedRunRecord(dest: string, id: string): Promise<RunRecord | null> {
  try {
    const record = await readRunRecord(dest, id);
    return record.result !== 'success' ? record : null;
  } catch {
    return null;
  }
}

/**
 * Commit replaced the failed run's record with the snapshot's own; keep the failure in the history under
 * the next free id (meta/<ID>_2/run.json, its snapshotId still naming the snapshot it was building).
 * A taken id is skipped by later snapshots, and prune removes the record like any other failed run's.
 */
async function keepEarlierFailure(dest: string, record: RunRecord, log: Logger): Promise<void> {
  try {
    const id = await newSnapshotId(localFs, dest, new Date(record.startedAt), record.snapshotId);
    await mkdir(metaDir(dest, id), { recursive: true });
    await writeFileAtomic(localFs, runRecordPath(dest, id), `${JSON.stringify(record, null, 2)}\n`);
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'could not keep the record of the interrupted run that this run resumed');
  }
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function cycle(
  options: NightlyCycleOptions,
  now: () => Date,
  startedAt: Date,
  note: (update: Partial<LastRun>) => void,
): Promise<NightlyCycleResult> {
  const { settings, host, log } = options;
  const sourceFs = options.sourceFs ?? localFs;
  const sleep = options.sleep ?? realSleep;
  const planInput: PlanInput = { lockout: settings.lockout, source: settings.source };
  const warnings: string[] = [];

  // A lockout left by a killed run comes first: give it back before anything else.
  const leftover = await readJournal(settings.stateDir);
  const leftoverLocked = leftover ? entriesStillLocked(leftover) : [];
  if (leftoverLocked.length > 0 && !options.dryRun) {
    log.warn({ owner: leftover?.owner }, 'a killed run left AVImark locked out: giving it back first');
    await recoverLockout({ host, stateDir: settings.stateDir, log });
    warnings.push(`a lockout left by an earlier run (pid ${leftover?.owner.pid}) was given back before this run`);
  }

  // Preflight: changes nothing; any failure exits before a user is disturbed.
  const { source, dest } = await checkSourceAndDest(settings.source, settings.destination, { fs: sourceFs });
  await checkHostReachable(host);
  const observed = await observeHost(host, planInput);
  const plan = lockoutPlan(planInput, observed);
  const { mode, volume: modeVolume, reason: modeReason } = await resolveMode(settings.mode, host, source);
  note({ mode });
  const expectedCopy = await expectedCopyBytes(source, dest, settings.engine.exclude, sourceFs);
  const planText = [
    `Mode: ${mode} (${modeReason})`,
    `Source: ${source}`,
    `Destination: ${dest}`,
    `Expected to copy: ${expectedCopy.files} file(s), ${(expectedCopy.bytes / 1024 / 1024).toFixed(1)} MiB`,
    `Warnings to users at: ${settings.lockout.warnMinutes.map((m) => `${m} min`).join(', ') || 'none'} before the lockout`,
    `Lockout limit (watchdog): ${settings.lockout.maxLockoutMinutes} min`,
    ...describePlan(plan, observed),
  ];
  if (leftoverLocked.length > 0) {
    planText.unshift(
      `A killed run left ${leftoverLocked.length} lockout step(s) in place; the run would give them back first (or run "avimark-backup recover").`,
    );
  }
  if (options.dryRun) {
    for (const p of plan.problems) planText.push(`Problem: ${p.field ? `config ${p.field}: ` : ''}${p.message}`);
    return {
      dryRun: true,
      mode,
      modeReason,
      planText,
      record: null,
      snapshotId: null,
      offlineSeconds: null,
      lockoutSteps: [],
      warnings: plan.notes,
      expectedCopy,
    };
  }
  if (plan.problems.length > 0) throw planProblemsError(plan.problems);
  await checkDestinationRoom(dest, expectedCopy.bytes);

  const snap = await openSnapshot({ dest, log, now });
  note({ snapshotId: snap.id });
  const earlierFailure = snap.resumed ? await readFailedRunRecord(dest, snap.id) : null;
  const controller = new AbortController();
  const stopFromCaller = () => controller.abort(new StopRequested('abort'));
  if (options.signal?.aborted) stopFromCaller();
  options.signal?.addEventListener('abort', stopFromCaller, { once: true });
  let session: LockoutSession | null = null;
  let guard: ExitGuard | null = null;
  if (options.handleSignals !== false) {
    guard = installExitGuards({
      onSignal: (sig) => {
        log.warn(`received ${sig}: stopping${session ? ' and giving AVImark back' : ''}`);
        controller.abort(new StopRequested(sig));
        void session?.giveBack(sig);
      },
      onFatal: async (error) => {
        log.error({ err: errorMessage(error) }, `unexpected error: ${errorMessage(error)}; giving AVImark back`);
        controller.abort(new StopRequested('abort'));
        if (!session) return 1;
        const back = await session.giveBack('crash');
        if (back.failures.length > 0) {
          const err = notUndoneError(back.failures);
          process.stderr.write(`avimark-backup: ${err.message}\n  hint: ${err.hint ?? ''}\n`);
          return 4;
        }
        return 1;
      },
    });
  }
  try {
    const lockout = settings.lockout;
    const signal = controller.signal;
    const backBy = (at: Date) =>
      new Date(at.getTime() + expectedOfflineMinutes(mode, lockout.maxLockoutMinutes) * 60_000);

    // Warn users; in presync the online pass runs meanwhile (its result is not trusted, only reused).
    const warning = warnUsers({ host, lockout, log, backBy, now, sleep, signal });
    const online = mode === 'presync' ? onlinePass(snap, options, source, sourceFs, signal) : Promise.resolve();
    const [warned, onlineDone] = await Promise.allSettled([warning, online]);
    if (signal.aborted) throw stopError(signal);
    if (warned.status === 'rejected') throw warned.reason;
    if (onlineDone.status === 'rejected') throw onlineDone.reason;
    warnings.push(...warned.value);

    // Plan again right before locking: the originals saved must be what is there now.
    const fresh = lockoutPlan(planInput, await observeHost(host, planInput));
    if (fresh.problems.length > 0) throw planProblemsError(fresh.problems);
    warnings.push(...fresh.notes);

    session = new LockoutSession({ host, stateDir: settings.stateDir, journal: newJournal('backup', source), log });
    await session.begin();
    const watchdog = startWatchdog(lockout.maxLockoutMinutes, controller, () =>
      log.error(
        `the lockout reached ${lockout.maxLockoutMinutes} minute(s): stopping the copy and giving AVImark back`,
      ),
    );
    const renamed = renamedFiles(fresh);
    let failure: unknown = null;
    let shadow: ShadowCopyInfo | null = null;
    const volume = modeVolume ?? (mode === 'vss' ? await host.getVolumeRoot(source) : null);
    try {
      await session.lockOut(fresh.steps, signal);
      const quiet = await proveQuiet(host, lockout, source);
      if (!quiet.quiet) {
        throw new RunFailedError(
          `AVImark is not quiet after the lockout, so nothing was copied (a live database is never copied):\n${quiet.reasons.map((r) => `  - ${r}`).join('\n')}`,
          'AVImark was given back. Add what kept running to lockout.processes / lockout.services, or find what holds the files open.',
        );
      }
      log.info('AVImark is quiet: no process, no open file, services stopped');
      if (mode === 'vss') {
        shadow = await host.createShadowCopy(volume ?? '');
        log.info(`shadow copy ${shadow.id} of ${volume} created`);
      } else {
        await snap.sync({
          sourceRoot: source,
          sourceFs: createRenamedFilesFs(sourceFs, renamed),
          engine: settings.engine,
          checksum: options.checksum,
          signal,
          onProgress: options.onProgress,
        });
      }
    } catch (err) {
      failure = err;
    } finally {
      watchdog.cancel();
    }

    const back = await session.giveBack(failure ? 'failure' : 'done');
    warnings.push(...back.warnings);
    const offlineSeconds = session.offlineSeconds();
    note({ offlineSeconds });
    if (back.failures.length > 0) {
      if (shadow) await deleteShadow(host, shadow, log, warnings);
      const err = notUndoneError(back.failures);
      if (failure)
        log.error({ err: errorMessage(failure) }, `the run had failed before giving back: ${errorMessage(failure)}`);
      throw err;
    }
    log.info(`AVImark is available again (offline ${offlineSeconds?.toFixed(1)} s)`);
    warnings.push(...(await sendToUsers(host, log, lockout.backMessage)));
    if (failure) {
      if (shadow) await deleteShadow(host, shadow, log, warnings);
      throw explainFailure(failure, watchdog.fired, lockout.maxLockoutMinutes, signal);
    }

    if (mode === 'vss' && shadow && volume) {
      try {
        const shadowRoot = shadowPath(source, volume, shadow.deviceObject);
        log.info(`copying from the shadow copy (${shadowRoot})`);
        await snap.sync({
          sourceRoot: source,
          sourceFs: createRenamedFilesFs(createShadowFs(sourceFs, source, shadowRoot), renamed),
          engine: settings.engine,
          checksum: options.checksum,
          signal,
          onProgress: options.onProgress,
        });
      } catch (err) {
        throw explainFailure(err, false, lockout.maxLockoutMinutes, signal);
      } finally {
        await deleteShadow(host, shadow, log, warnings);
      }
    }

    const record = await snap.commit({
      mode,
      offlineSeconds,
      lockoutSteps: session.timings(),
      warnings,
      startedAt,
    });
    if (earlierFailure) await keepEarlierFailure(dest, earlierFailure, log);
    return {
      dryRun: false,
      mode,
      modeReason,
      planText,
      record,
      snapshotId: record.snapshotId,
      offlineSeconds,
      lockoutSteps: session.timings(),
      warnings: record.warnings,
      expectedCopy,
    };
  } catch (err) {
    if (err instanceof StopRequested) throw stopError(controller.signal);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', stopFromCaller);
    guard?.uninstall();
    await snap.release();
  }
}

/** Presync's online pass. A file AVImark is writing may not settle: that is expected, the catch-up under lockout copies it. */
async function onlinePass(
  snap: SnapshotInProgress,
  options: NightlyCycleOptions,
  source: string,
  sourceFs: FileSystem,
  signal: AbortSignal,
): Promise<void> {
  options.log.info('presync: copying while AVImark is still online (catch-up follows under lockout)');
  try {
    const r = await snap.sync({
      sourceRoot: source,
      sourceFs,
      engine: options.settings.engine,
      checksum: options.checksum,
      signal,
      onProgress: options.onProgress,
      skipChanging: true,
    });
    const left = r.filesSkipped > 0 ? `; ${r.filesSkipped} file(s) in use were left for the catch-up` : '';
    options.log.info(`presync: online pass copied ${r.filesCopied} file(s), ${r.bytesCopied} bytes${left}`);
  } catch (err) {
    if (signal.aborted) throw err;
    options.log.warn(
      `presync: the online pass did not finish (${errorMessage(err)}); the catch-up under lockout copies the rest`,
    );
  }
}

function renamedFiles(plan: LockoutPlan): RenamedFile[] {
  return plan.steps
    .filter((s): s is Extract<LockoutStep, { kind: 'renameExecutable' }> => s.kind === 'renameExecutable')
    .map((s) => ({ original: s.path, renamed: s.lockedPath }));
}

async function deleteShadow(host: WindowsHost, shadow: ShadowCopyInfo, log: Logger, warnings: string[]): Promise<void> {
  try {
    await host.deleteShadowCopy(shadow.id);
    log.info(`shadow copy ${shadow.id} deleted`);
  } catch (err) {
    const w = `the shadow copy ${shadow.id} could not be deleted (${errorMessage(err)}); delete it with: vssadmin delete shadows /shadow=${shadow.id} /quiet`;
    log.warn(w);
    warnings.push(w);
  }
}

function stopError(signal: AbortSignal): RunFailedError {
  const reason: unknown = signal.reason;
  if (reason instanceof WatchdogFiredError) return watchdogError(reason.maxMinutes);
  const why = reason instanceof StopRequested ? reason.why : 'a stop request';
  return new RunFailedError(
    `interrupted by ${why}: AVImark was given back; the partial snapshot is kept and the next run resumes it`,
  );
}

function watchdogError(maxMinutes: number): RunFailedError {
  return new RunFailedError(
    `the lockout reached its limit of ${maxMinutes} minute(s) (lockout.maxLockoutMinutes): the copy was stopped and AVImark given back; the partial snapshot is kept and the next run resumes it`,
    'raise lockout.maxLockoutMinutes, or use mode "presync" or "vss" so less is copied while AVImark is offline',
  );
}

function explainFailure(err: unknown, watchdogFired: boolean, maxMinutes: number, signal: AbortSignal): Error {
  if (watchdogFired) return watchdogError(maxMinutes);
  if (signal.aborted) return stopError(signal);
  if (err instanceof LockoutInterruptedError) return stopError(signal);
  if (err instanceof StepFailedError) {
    return new RunFailedError(
      `lockout step "${stepLabel(err.step)}" failed: ${err.message}. AVImark was given back; nothing was copied.`,
      'see the log for the step; fix the cause (elevation, a service that hangs, a process that cannot be stopped) and run again',
    );
  }
  if (err instanceof LockoutNotUndoneError || err instanceof AppError) return err;
  return new RunFailedError(`the backup failed: ${errorMessage(err)}. AVImark was given back.`, undefined, {
    cause: err,
  });
}
