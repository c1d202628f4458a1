import { LockoutNotUndoneError, errorMessage } from '../errors';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import type { LockoutStepTiming } from '../store/types';
import { StepFailedError, applyStep } from './apply';
import type { AtomicFs } from '../fs/durable';
import { retireJournal, writeJournal, type Journal, type JournalEntry } from './journal';
import { manualUndo, stillLockedSentence } from './manual';
import { isReversible, stepLabel, touchesAvimark, type LockoutStep } from './steps';
import { DEFAULT_UNDO_RETRY, type UndoRetryPolicy, undoStepWithRetry } from './undo';

/**
 * TEST ONLY. When set to N, the process kills itself with SIGKILL right after lockout step N
 * (1-based) is journaled 'done', so tests can prove `recover` restores the server from the
 * journal alone. Never set it in production.
 */
export const TEST_KILL_AFTER_STEP_ENV = 'AVIMARK_BACKUP_TEST_KILL_AFTER_STEP';

export interface GiveBackResult {
  /** Steps that could not be undone (empty when AVImark is fully back). */
  failures: Array<{ entry: JournalEntry; error: string }>;
  warnings: string[];
}

/** The lockout was stopped before all steps were taken (signal, watchdog, shutdown). */
export class LockoutInterruptedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'LockoutInterruptedError';
  }
}

export interface LockoutSessionOptions {
  host: WindowsHost;
  stateDir: string;
  journal: Journal;
  log: Logger;
  now?: () => number;
  fs?: AtomicFs;
  env?: NodeJS.ProcessEnv;
  /** How often a failing undo step is tried again before it is reported (tests: short delays). */
  undoRetry?: UndoRetryPolicy;
}

/**
 * Applies lockout steps (journal first) and gives them back (reverse order, journal after each).
 * `giveBack()` may be called from several places at once (the normal path, a signal handler, the
 * watchdog): it runs once, after any step in flight has finished, and every caller gets its result.
 */
export class LockoutSession {
  private readonly host: WindowsHost;
  private readonly stateDir: string;
  readonly journal: Journal;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly fs: AtomicFs | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly undoRetry: UndoRetryPolicy;
  private inFlight: Promise<unknown> = Promise.resolve();
  private givingBack: Promise<GiveBackResult> | null = null;
  private stopReason: string | null = null;
  /** The step being taken right now (null between steps): what a stop cuts short. */
  inFlightStep: LockoutStep | null = null;
  /**
   * Epoch ms of the first lockout step that touches AVImark (start of the offline window). The safety-net
   * task is registered before it and removed after the last of them is given back: AVImark works meanwhile.
   */
  firstStepAt: number | null = null;
  /** Epoch ms when the last step that touched AVImark was given back (end of the offline window). */
  givenBackAt: number | null = null;

  constructor(options: LockoutSessionOptions) {
    this.host = options.host;
    this.stateDir = options.stateDir;
    this.journal = options.journal;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.fs = options.fs;
    this.env = options.env ?? process.env;
    this.undoRetry = options.undoRetry ?? DEFAULT_UNDO_RETRY;
  }

  /** Writes the (empty) journal so `status` and `recover` see a lockout in preparation. */
  async begin(): Promise<void> {
    await this.save();
  }

  /** Takes the steps in order; stops (and throws) at the first failure or when stopped. */
  async lockOut(steps: LockoutStep[], signal?: AbortSignal): Promise<void> {
    for (const step of steps) {
      if (this.stopReason !== null) throw new LockoutInterruptedError(this.stopReason);
      if (signal?.aborted) throw new LockoutInterruptedError(String(signal.reason ?? 'aborted'));
      const run = this.applyOne(step);
      this.inFlight = run.catch(() => undefined);
      await run;
    }
  }

  private async applyOne(step: LockoutStep): Promise<void> {
    const entry: JournalEntry = {
      step,
      state: 'pending',
      startedAt: new Date(this.now()).toISOString(),
      seconds: null,
      detail: [],
      undoneAt: null,
    };
    this.journal.entries.push(entry);
    await this.save();
    const t0 = this.now();
    if (touchesAvimark(step)) this.firstStepAt ??= t0;
    this.log.info(`lockout: ${stepLabel(step)}`);
    this.inFlightStep = step;
    try {
      entry.detail = await applyStep(this.host, step);
      entry.state = 'done';
    } catch (err) {
      entry.state = 'failed';
      entry.detail = [errorMessage(err)];
      throw err instanceof StepFailedError ? err : new StepFailedError(step, errorMessage(err), { cause: err });
    } finally {
      this.inFlightStep = null;
      entry.seconds = (this.now() - t0) / 1000;
      await this.save();
    }
    for (const line of entry.detail) this.log.info(`  ${line}`);
    this.testKillHook();
  }

  private testKillHook(): void {
    const n = __AVB_TEST_HOOKS__ ? Number(this.env[TEST_KILL_AFTER_STEP_ENV]) : Number.NaN;
    if (Number.isInteger(n) && n > 0 && this.journal.entries.length === n) process.kill(process.pid, 'SIGKILL');
  }

  timings(): LockoutStepTiming[] {
    return this.journal.entries.map((e) => ({ step: stepLabel(e.step), seconds: e.seconds ?? 0 }));
  }

  /**
   * Seconds AVImark was offline: from the first step that touches it to the last of them given back (the
   * safety-net task's registration and removal are outside); null when nothing was locked out.
   */
  offlineSeconds(): number | null {
    if (this.firstStepAt === null) return null;
    const end = this.givenBackAt ?? this.now();
    return (end - this.firstStepAt) / 1000;
  }

  /** Gives everything back once, however many callers ask. */
  giveBack(reason = 'done'): Promise<GiveBackResult> {
    if (this.givingBack === null) {
      this.stopReason ??= reason;
      this.givingBack = this.doGiveBack();
    }
    return this.givingBack;
  }

  private async doGiveBack(): Promise<GiveBackResult> {
    await this.inFlight;
    const failures: GiveBackResult['failures'] = [];
    const warnings: string[] = [];
    const pending = [...this.journal.entries].reverse().filter((e) => e.state !== 'undone');
    if (pending.some((e) => isReversible(e.step))) this.log.info('giving AVImark back');
    let lastTouchingAt: number | null = null;
    for (const entry of pending) {
      if (entry.step.kind === 'safetyNet' && failures.length > 0) {
        // Issue 13 §2: the task is the retry. It stays registered while anything is still locked.
        const kept = `safety-net task ${entry.step.taskPath}${entry.step.taskName} kept: it runs recover at ${entry.step.runAt} to give back what failed`;
        entry.detail.push(kept);
        warnings.push(kept);
        this.log.warn(kept);
        continue;
      }
      try {
        const outcome = await undoStepWithRetry(this.host, entry.step, this.undoRetry, (err, attempt) =>
          this.log.warn(
            { step: stepLabel(entry.step), attempt, err: errorMessage(err) },
            `give back failed, trying again: ${stepLabel(entry.step)}`,
          ),
        );
        entry.state = 'undone';
        entry.undoneAt = new Date(this.now()).toISOString();
        entry.detail.push(...outcome.detail.map((d) => `undo: ${d}`));
        warnings.push(...outcome.warnings);
        for (const line of outcome.detail) this.log.info(`give back: ${line}`);
        for (const w of outcome.warnings) this.log.warn(w);
      } catch (err) {
        const error = errorMessage(err);
        failures.push({ entry, error });
        entry.detail.push(`undo failed: ${error}`);
        this.log.error({ step: stepLabel(entry.step), err: error }, `could not give back: ${stepLabel(entry.step)}`);
      }
      if (touchesAvimark(entry.step)) lastTouchingAt = this.now();
      await this.saveQuietly();
    }
    this.givenBackAt = lastTouchingAt ?? this.now();
    if (failures.length === 0) {
      try {
        await retireJournal(this.stateDir, this.fs);
      } catch (err) {
        warnings.push(`everything was given back, but the journal could not be retired: ${errorMessage(err)}`);
      }
    }
    return { failures, warnings };
  }

  private async save(): Promise<void> {
    await writeJournal(this.stateDir, this.journal, this.fs);
  }

  /** During give-back a journal that cannot be written must not stop the other steps from being undone. */
  private async saveQuietly(): Promise<void> {
    try {
      await this.save();
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'could not update the lockout journal while giving back');
    }
  }
}

/** Exit 4: what is still locked, and the exact commands an administrator can paste to fix it. */
export function notUndoneError(failures: GiveBackResult['failures']): LockoutNotUndoneError {
  const stillLocked = failures.map((f) => `${stillLockedSentence(f.entry.step)} (${f.error})`);
  const commands = failures.flatMap((f) => manualUndo(f.entry.step));
  const hint = [
    'fix it by hand in an elevated PowerShell, then run "avimark-backup recover" (it retries and clears the journal):',
    ...commands.map((c) => `    ${c}`),
  ].join('\n');
  return new LockoutNotUndoneError(
    `AVImark could not be fully given back; still locked:\n${stillLocked.map((s) => `  - ${s}`).join('\n')}`,
    stillLocked,
    hint,
  );
}
