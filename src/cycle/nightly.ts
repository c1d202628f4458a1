import type { Settings } from '../config/load';
import { type BackupProgress, checkSourceAndDest, openSnapshot } from '../engine/backup';
import { captureAcls } from '../engine/metadata';
import { SuspectSnapshotError, errorMessage } from '../errors';
import { formatBytesIn } from '../format/bytes';
import { localFs } from '../fs/local';
import type { FileSystem } from '../fs/types';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import { entriesStillLocked, readJournal } from '../lockout/journal';
import { observeHost } from '../lockout/observe';
import { describePlan, lockoutPlan, planProblemsError, type PlanInput } from '../lockout/plan';
import { giveBackLeftover } from '../lockout/recover';
import { realSleep, type Sleep } from '../lockout/warn';
import { type LockoutWindowContext, type WindowWords, withLockout } from '../lockout/window';
import { type NoteRun, recordedRun } from '../state/run';
import type { LockoutStepTiming, RunRecord } from '../store/types';
import { type AfterBackupResult, afterBackup } from './after-backup';
import { type AfterNight, type AfterNightResult, runAfterNight } from './after-night';
import { keepEarlierFailure, readFailedRunRecord, writeFailedRunRecord } from './failed-run';
import { expectedOfflineMinutes, resolveMode, type CycleMode } from './mode';
import { snapshotGuard } from './guard';
import { modeHooks } from './modes';
import { checkDestinationRoom, checkHostReachable, destinationWarnings, expectedCopyBytes } from './preflight';

export interface NightlyCycleOptions {
  settings: Settings;
  host: WindowsHost;
  log: Logger;
  dryRun?: boolean;
  checksum?: boolean;
  onProgress?: (progress: BackupProgress) => void;
  /** Called once the copy is over (committed or not), before verify and prune: the CLI stops its progress bar. */
  onCopyDone?: () => void;
  now?: () => Date;
  sleep?: Sleep;
  /** Read the source through this (tests inject faults); default: the local disk. */
  sourceFs?: FileSystem;
  /** Catch SIGINT/SIGTERM/SIGBREAK/SIGHUP and crashes to give AVImark back (default true; in-process tests pass false). */
  handleSignals?: boolean;
  /** Stops the run like a signal would (tests). */
  signal?: AbortSignal;
  /** `backup --allow-shrink`: a source that shrank past guard.maxShrinkPercent is committed this once. */
  allowShrink?: boolean;
  /** Step 8, after commit and verify, outside the lockout: the offsite copy (wired by the CLI). */
  afterNight?: AfterNight;
}

/** The ransomware guard marked the snapshot suspect (committed; `latest` did not move; pruning held): exit 5. */
export interface SuspectSnapshot {
  snapshotId: string;
  reasons: string[];
  message: string;
  hint: string;
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
  /** Step 7: verify per `verify.after`, prune per `retention.auto` (null for a dry run). */
  after: AfterBackupResult | null;
  /** Step 8: the offsite copy (absent or null when not configured, or for a dry run). */
  offsite?: AfterNightResult | null;
  /** Set when the snapshot was committed but marked suspect (the command exits 5). */
  suspect?: SuspectSnapshot | null;
}

/** Ends the recorded run with exit 5 (last-run.json says why) while handing the committed result on. */
class SuspectCycleError extends SuspectSnapshotError {
  constructor(
    readonly result: NightlyCycleResult,
    readonly suspect: SuspectSnapshot,
  ) {
    super(suspect.message, suspect.snapshotId, suspect.reasons, suspect.hint);
  }
}

/** The words of a suspect snapshot, for the CLI, last-run.json and the alerts. */
export function describeSuspect(snapshotId: string, reasons: readonly string[]): SuspectSnapshot {
  return {
    snapshotId,
    reasons: [...reasons],
    message:
      `snapshot ${snapshotId} looks like ransomware at work: ${reasons.join('; ')}. ` +
      'It was kept but marked suspect: "latest" still points at the previous snapshot and no snapshot is pruned until it is accepted',
    hint:
      `check the AVImark folder; if it is fine run "avimark-backup accept ${snapshotId}", ` +
      `otherwise delete the snapshot with "avimark-backup prune --id ${snapshotId}" and restore from an earlier one`,
  };
}

const BACKUP_WORDS: WindowWords = {
  work: 'the copy',
  notQuiet: 'nothing was copied (a live database is never copied)',
  stepFailed: 'nothing was copied',
  afterStop: 'the partial snapshot is kept and the next run resumes it',
  watchdogHint:
    'raise lockout.maxLockoutMinutes, or use mode "presync" or "vss" so less is copied while AVImark is offline',
  failed: (why) => `the backup failed: ${why}. AVImark was given back.`,
};

/**
 * The nightly cycle: preflight (changes nothing) → the lockout window (warn users, lock out with the
 * journal first, prove quiet, copy by mode, give back always) → commit → verify and prune.
 * See docs/nightly-cycle.md.
 */
export async function runNightlyCycle(options: NightlyCycleOptions): Promise<NightlyCycleResult> {
  const now = options.now ?? (() => new Date());
  if (options.dryRun) return dryRunCycle(options);
  const { settings, log } = options;
  const startedAt = now();
  const { result, suspect } = await recordedRun(
    {
      stateDir: settings.stateDir,
      log,
      command: 'backup',
      purpose: 'backup',
      now,
      startedAt,
      successMessage: (r: NightlyCycleResult) => `snapshot ${r.snapshotId} created`,
      finished: (last) =>
        writeFailedRunRecord(settings, last).then(
          () => undefined,
          (err: unknown) =>
            log.warn({ err: errorMessage(err) }, "could not write the failed run's record in the store"),
        ),
    },
    (note) => lockedCycle(options, now, startedAt, note),
  )
    .then(
      (r) => ({ result: r, suspect: null }),
      (err: unknown) => {
        // Committed but suspect: last-run.json recorded exit 5; verify still runs, the prune is held.
        if (err instanceof SuspectCycleError) return { result: err.result, suspect: err.suspect };
        throw err;
      },
    )
    .finally(() => options.onCopyDone?.());
  const after = result.snapshotId ? await afterBackup(settings, result.snapshotId, log) : null;
  const offsite = await runAfterNight(options.afterNight, result.snapshotId, after, log, suspect !== null);
  return { ...result, after, suspect, offsite };
}

interface Preflight {
  source: string;
  dest: string;
  mode: CycleMode;
  modeVolume: string | null;
  modeReason: string;
  expectedCopy: { bytes: number; files: number };
  planText: string[];
  plan: ReturnType<typeof lockoutPlan>;
}

/** Changes nothing; any failure exits before a user is disturbed. */
async function preflight(options: NightlyCycleOptions, sourceFs: FileSystem): Promise<Preflight> {
  const { settings, host } = options;
  const planInput: PlanInput = { lockout: settings.lockout, source: settings.source };
  const { source, dest } = await checkSourceAndDest(settings.source, settings.destination, { fs: sourceFs });
  await checkHostReachable(host);
  const observed = await observeHost(host, planInput);
  const plan = lockoutPlan(planInput, observed);
  const { mode, volume: modeVolume, reason: modeReason } = await resolveMode(settings.mode, host, source);
  const expectedCopy = await expectedCopyBytes(source, dest, settings.engine.exclude, sourceFs);
  const planText = [
    `Mode: ${mode} (${modeReason})`,
    `Source: ${source}`,
    `Destination: ${dest}`,
    `Expected to copy: ${expectedCopy.files} file(s), ${formatBytesIn(expectedCopy.bytes, 'MiB')}`,
    `Warnings to users at: ${settings.lockout.warnMinutes.map((m) => `${m} min`).join(', ') || 'none'} before the lockout`,
    `Lockout limit (watchdog): ${settings.lockout.maxLockoutMinutes} min`,
    ...describePlan(plan, observed),
  ];
  return { source, dest, mode, modeVolume, modeReason, expectedCopy, planText, plan };
}

/** --dry-run: the plan in words; no run lock, no lockout, nothing written. */
async function dryRunCycle(options: NightlyCycleOptions): Promise<NightlyCycleResult> {
  const leftover = await readJournal(options.settings.stateDir);
  const leftoverLocked = leftover ? entriesStillLocked(leftover) : [];
  const p = await preflight(options, options.sourceFs ?? localFs);
  const planText = [...p.planText];
  if (leftoverLocked.length > 0) {
    planText.unshift(
      `A killed run left ${leftoverLocked.length} lockout step(s) in place; the run would give them back first (or run "avimark-backup recover").`,
    );
  }
  for (const q of p.plan.problems) planText.push(`Problem: ${q.field ? `config ${q.field}: ` : ''}${q.message}`);
  return {
    dryRun: true,
    mode: p.mode,
    modeReason: p.modeReason,
    planText,
    record: null,
    snapshotId: null,
    offlineSeconds: null,
    lockoutSteps: [],
    warnings: p.plan.notes,
    expectedCopy: p.expectedCopy,
    after: null,
  };
}

/** Under the run lock: a leftover lockout given back, preflight, then the snapshot copied in the lockout window. */
async function lockedCycle(
  options: NightlyCycleOptions,
  now: () => Date,
  startedAt: Date,
  note: NoteRun,
): Promise<NightlyCycleResult> {
  const { settings, host, log } = options;
  const sourceFs = options.sourceFs ?? localFs;
  const leftover = await giveBackLeftover(host, settings.stateDir, log);
  const p = await preflight(options, sourceFs);
  note({ mode: p.mode });
  if (p.plan.problems.length > 0) throw planProblemsError(p.plan.problems);
  await checkDestinationRoom(p.dest, p.expectedCopy.bytes);
  for (const w of await destinationWarnings(host, p.dest)) log.warn(w);

  const snap = await openSnapshot({ dest: p.dest, log, now });
  note({ snapshotId: snap.id });
  try {
    const earlierFailure = snap.resumed ? await readFailedRunRecord(p.dest, snap.id) : null;
    const mode = modeHooks({
      mode: p.mode,
      settings,
      host,
      log,
      snap,
      source: p.source,
      sourceFs,
      volume: p.modeVolume,
      checksum: options.checksum,
      onProgress: options.onProgress,
    });
    const { value: record, window } = await withLockout(windowContext(options, p, now, note), {
      before: async (run) => {
        if (leftover) run.warnings.push(leftover);
      },
      ...mode,
      after: async (copied, run, lockedOut) => {
        await mode.afterGiveBack(copied, run);
        // The folder's NTFS access lists, read live after the give-back (a failure is a warning, not a failed night).
        const acl = await captureAcls(host, p.source, run.warnings);
        const committed = await snap.commit(
          {
            mode: p.mode,
            offlineSeconds: lockedOut.offlineSeconds,
            lockoutSteps: lockedOut.lockoutSteps,
            warnings: run.warnings,
            startedAt,
            acl,
          },
          snapshotGuard(settings, { allowShrink: options.allowShrink ?? false, log }),
        );
        if (earlierFailure) await keepEarlierFailure(p.dest, earlierFailure, log);
        return committed;
      },
    });
    const result: NightlyCycleResult = {
      dryRun: false,
      mode: p.mode,
      modeReason: p.modeReason,
      planText: p.planText,
      record,
      snapshotId: record.snapshotId,
      offlineSeconds: window.offlineSeconds,
      lockoutSteps: window.lockoutSteps,
      warnings: record.warnings,
      expectedCopy: p.expectedCopy,
      after: null,
    };
    if (record.suspect) throw new SuspectCycleError(result, describeSuspect(record.snapshotId, record.suspect.reasons));
    return result;
  } finally {
    await snap.release();
  }
}

/** The backup's lockout window: users are told AVImark is back by the mode's expected offline time. */
function windowContext(
  options: NightlyCycleOptions,
  p: Preflight,
  now: () => Date,
  note: NoteRun,
): LockoutWindowContext {
  const { settings } = options;
  return {
    host: options.host,
    log: options.log,
    stateDir: settings.stateDir,
    lockout: settings.lockout,
    source: p.source,
    purpose: 'backup',
    backByMinutes: expectedOfflineMinutes(p.mode, settings.lockout.maxLockoutMinutes),
    now,
    sleep: options.sleep ?? realSleep,
    words: BACKUP_WORDS,
    handleSignals: options.handleSignals,
    signal: options.signal,
    onGivenBack: (offlineSeconds) => note({ offlineSeconds }),
  };
}
