import type { LockoutConfig } from '../config/schema';
import { AppError, ExitCode, InterruptedError, RunFailedError, errorMessage } from '../errors';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import type { LockoutStepTiming } from '../store/types';
import { StepFailedError } from './apply';
import { type Journal, newJournal } from './journal';
import { observeHost } from './observe';
import { type LockoutPlan, type PlanInput, lockoutPlan, planProblemsError } from './plan';
import { proveQuiet } from './quiet';
import { safetyNetStep } from './safety-net';
import { LockoutInterruptedError, LockoutSession, notUndoneError } from './session';
import { type ExitGuard, type ExitSignal, installExitGuards } from './signals';
import { stepLabel } from './steps';
import type { UndoRetryPolicy } from './undo';
import { type Sleep, sendToUsers, sendWarning, warnUsers } from './warn';
import { WatchdogFiredError, startWatchdog } from './watchdog';

/** How the failures of one kind of run are worded (what a stop, a failure or a refusal left behind). */
export interface WindowWords {
  /** The work, as the subject of "… was stopped": 'the copy'. */
  work: string;
  /** After "not quiet after the lockout, so ": 'nothing was copied (a live database is never copied)'. */
  notQuiet: string;
  /** After "AVImark was given back; " when a lockout step failed: 'nothing was copied'. */
  stepFailed: string;
  /** After "AVImark was given back; " when the run was stopped: 'the partial snapshot is kept and the next run resumes it'. */
  afterStop: string;
  /** The hint when the watchdog fired. */
  watchdogHint: string;
  /** An unexpected (non-AppError) failure, as the error the user sees. */
  failed: (why: string) => string;
}

export interface LockoutWindowContext {
  host: WindowsHost;
  log: Logger;
  stateDir: string;
  lockout: LockoutConfig;
  /** The live AVImark folder. */
  source: string;
  purpose: Journal['purpose'];
  /** When users are told AVImark is back ({backBy} in the warning), in minutes after the lockout starts. */
  backByMinutes: number;
  now: () => Date;
  sleep: Sleep;
  words: WindowWords;
  /** Catch SIGINT/SIGTERM/SIGBREAK/SIGHUP and crashes to give AVImark back (default true; in-process tests pass false). */
  handleSignals?: boolean;
  /** Stops the run like a signal would (tests, callers). */
  signal?: AbortSignal;
  /** How often a failing undo step is tried again (tests: short delays). */
  undoRetry?: UndoRetryPolicy;
  /** Called once AVImark has been given back (whether or not everything came back), with the offline seconds. */
  onGivenBack?: (offlineSeconds: number | null) => void;
}

/** What the hooks see of the window: the stop signal (signals, the caller, the watchdog) and the run's warnings. */
export interface WindowRun {
  readonly signal: AbortSignal;
  readonly warnings: string[];
}

/** What the lockout cost: handed to `after`, and returned. */
export interface LockoutWindowResult {
  /** From the first lockout step that touches AVImark to the last given back (LockoutSession.offlineSeconds); null when none was taken. */
  offlineSeconds: number | null;
  lockoutSteps: LockoutStepTiming[];
  /** Every warning of the run so far (messages not delivered, give-back notes, the hooks' own). */
  warnings: string[];
  /** The plan taken, made right before the lockout. */
  plan: LockoutPlan;
}

/** The caller's work around the lockout. Every hook runs under the exit guards. */
export interface LockoutHooks<U, A> {
  /** Before users are warned (restore --to-live: the staging copy). */
  before?: (run: WindowRun) => Promise<void>;
  /** While users are warned (presync: the online pass). Its failure fails the run. */
  whileWarning?: (run: WindowRun) => Promise<void>;
  /** Under lockout, once AVImark is proven quiet (the copy, the shadow copy, the swap). */
  under: (run: WindowRun, plan: LockoutPlan) => Promise<U>;
  /** AVImark could not be given back after `under` succeeded: release what it holds (vss: the shadow copy). */
  abandon?: (held: U, run: WindowRun) => Promise<void>;
  /** After AVImark is back and users are told (vss: the copy from the shadow; the commit). */
  after: (held: U, run: WindowRun, window: LockoutWindowResult) => Promise<A>;
}

/** What a stop cut short: `what` in words; `workStarted` once `under` (the copy, the swap) has begun. */
interface CutShort {
  what: string;
  workStarted: boolean;
}

/** A stop was requested (a signal or the caller). */
class StopRequested extends Error {
  constructor(readonly why: ExitSignal | 'abort') {
    super(`interrupted by ${why}`);
    this.name = 'StopRequested';
  }
}

/**
 * The one lockout window of every run that takes AVImark offline: exit guards → before → warn users
 * (while `whileWarning` runs) → plan again → lock out (each step journaled first) under the watchdog →
 * prove quiet → `under` → give back (always, reverse order) → exit 4 if anything stayed locked → tell
 * users → `after`. Any failure is explained in the words of `context.words`; AVImark is given back first.
 */
export async function withLockout<U, A>(
  context: LockoutWindowContext,
  hooks: LockoutHooks<U, A>,
): Promise<{ value: A; window: LockoutWindowResult }> {
  const { log } = context;
  const controller = new AbortController();
  const stopFromCaller = () => controller.abort(new StopRequested('abort'));
  if (context.signal?.aborted) stopFromCaller();
  context.signal?.addEventListener('abort', stopFromCaller, { once: true });
  const holder: { session: LockoutSession | null } = { session: null };
  const guard = context.handleSignals === false ? null : guardExit(controller, holder, log);
  const run: WindowRun = { signal: controller.signal, warnings: [] };
  try {
    await hooks.before?.(run);
    await warnWhile(context, run, hooks.whileWarning);
    const { held, window } = await lockedOut(context, run, holder, controller, hooks);
    const value = await hooks.after(held, run, window).catch((err: unknown) => {
      throw explainFailure(err, controller.signal, context);
    });
    return { value, window };
  } catch (err) {
    if (err instanceof StopRequested) throw stopError(controller.signal, context);
    throw err;
  } finally {
    context.signal?.removeEventListener('abort', stopFromCaller);
    guard?.uninstall();
  }
}

/** Signals abort the run and give back; a crash gives back, then exits 4 when something stayed locked. */
function guardExit(controller: AbortController, holder: { session: LockoutSession | null }, log: Logger): ExitGuard {
  return installExitGuards({
    onSignal: (sig) => {
      log.warn(`received ${sig}: stopping${holder.session ? ' and giving AVImark back' : ''}`);
      controller.abort(new StopRequested(sig));
      void holder.session?.giveBack(sig);
    },
    onFatal: async (error) => {
      log.error({ err: errorMessage(error) }, `unexpected error: ${errorMessage(error)}; giving AVImark back`);
      controller.abort(new StopRequested('abort'));
      if (!holder.session) return ExitCode.RunFailed;
      const back = await holder.session.giveBack('crash');
      if (back.failures.length === 0) return ExitCode.RunFailed;
      const err = notUndoneError(back.failures);
      process.stderr.write(`avimark-backup: ${err.message}\n  hint: ${err.hint ?? ''}\n`);
      return err.exitCode;
    },
  });
}

/**
 * The stop reason an online pass (`whileWarning`) sees when the warnings have ended: the lockout starts at
 * the time the users were given, the pass stops where it is and the catch-up under lockout copies the rest.
 */
export class WarningsEndedError extends Error {
  constructor() {
    super('the warnings ended: the lockout starts now');
    this.name = 'WarningsEndedError';
  }
}

/** How late the lockout may start after the time the last warning gave before users are warned again. */
export const REWARN_AFTER_MS = 60_000;

/**
 * Warns users (a message that cannot be delivered is a warning) while `alongside` runs. When the warnings
 * are over, `alongside` is cut short (WarningsEndedError) so the lockout starts when users were told; if
 * stopping it still took longer than REWARN_AFTER_MS, the last warning is sent again and waited again.
 */
async function warnWhile(
  context: LockoutWindowContext,
  run: WindowRun,
  alongside: ((run: WindowRun) => Promise<void>) | undefined,
): Promise<void> {
  const { host, lockout, log, now, sleep } = context;
  const backBy = (at: Date) => new Date(at.getTime() + context.backByMinutes * 60_000);
  const warning = { host, lockout, log, backBy, now };
  const pass = new AbortController();
  const forward = () => pass.abort(run.signal.reason);
  run.signal.addEventListener('abort', forward, { once: true });
  const passing = alongside?.({ signal: pass.signal, warnings: run.warnings }) ?? Promise.resolve();
  const [warned] = await Promise.allSettled([warnUsers({ ...warning, sleep, signal: run.signal })]);
  const dueAt = now().getTime();
  // With no warning there is no announced time to keep: the pass runs to its end.
  if (lockout.warnMinutes.length > 0 && !pass.signal.aborted) pass.abort(new WarningsEndedError());
  const [done] = await Promise.allSettled([passing]);
  run.signal.removeEventListener('abort', forward);
  if (run.signal.aborted) throw stopError(run.signal, context);
  if (warned.status === 'rejected') throw warned.reason;
  if (done.status === 'rejected') throw done.reason;
  run.warnings.push(...warned.value);
  const lateMs = now().getTime() - dueAt;
  if (lockout.warnMinutes.length > 0 && lateMs > REWARN_AFTER_MS) {
    log.warn(
      `the online pass took ${Math.round(lateMs / 1000)} s to stop after the warnings ended: warning users again`,
    );
    const minutes = Math.min(...lockout.warnMinutes);
    run.warnings.push(...(await sendWarning(warning, minutes)));
    await sleep(minutes * 60_000, run.signal).catch(() => undefined);
    if (run.signal.aborted) throw stopError(run.signal, context);
  }
}

/** Plan again, lock out, prove quiet, `under`, give back, tell users; throws (after giving back) on any failure. */
async function lockedOut<U, A>(
  context: LockoutWindowContext,
  run: WindowRun,
  holder: { session: LockoutSession | null },
  controller: AbortController,
  hooks: LockoutHooks<U, A>,
): Promise<{ held: U; window: LockoutWindowResult }> {
  const { host, lockout, log, source } = context;
  // Plan again right before locking: the originals saved must be what is there now.
  const safetyNet = safetyNetStep({ now: context.now(), maxLockoutMinutes: lockout.maxLockoutMinutes });
  const planInput: PlanInput = { lockout, source, safetyNet };
  const plan = lockoutPlan(planInput, await observeHost(host, planInput));
  if (plan.problems.length > 0) throw planProblemsError(plan.problems);
  run.warnings.push(...plan.notes);

  const session = new LockoutSession({
    host,
    stateDir: context.stateDir,
    journal: newJournal(context.purpose, source),
    log,
    undoRetry: context.undoRetry,
  });
  holder.session = session;
  await session.begin();
  // Where the window is, so a stop can say what it cut short, and cut short the host call in flight.
  // Once every step is taken, the quiet proof and `under` are the work (the words a stop then uses are the work's).
  const where: { working: boolean; cut: CutShort | null } = { working: false, cut: null };
  const cutShort = () => {
    const step = session.inFlightStep;
    where.cut = where.working
      ? { what: context.words.work, workStarted: true }
      : { what: step ? `lockout step "${stepLabel(step)}"` : 'the lockout', workStarted: false };
    void host.interrupt(errorMessage(run.signal.reason)).catch(() => undefined);
  };
  if (run.signal.aborted) cutShort();
  else run.signal.addEventListener('abort', cutShort, { once: true });
  const watchdog = startWatchdog(lockout.maxLockoutMinutes, controller, () =>
    log.error(
      `the lockout reached ${lockout.maxLockoutMinutes} minute(s): stopping ${context.words.work} and giving AVImark back`,
    ),
  );
  let failure: { error: unknown } | null = null;
  let held: { value: U } | null = null;
  try {
    await session.lockOut(plan.steps, run.signal);
    where.working = true;
    const quiet = await proveQuiet(host, lockout, source);
    if (!quiet.quiet) throw notQuietError(quiet.reasons, context.words);
    log.info('AVImark is quiet: no process, no open file, services stopped');
    held = { value: await hooks.under(run, plan) };
  } catch (err) {
    failure = { error: err };
  } finally {
    watchdog.cancel();
    run.signal.removeEventListener('abort', cutShort);
  }

  const back = await session.giveBack(failure ? 'failure' : 'done');
  run.warnings.push(...back.warnings);
  const offlineSeconds = session.offlineSeconds();
  context.onGivenBack?.(offlineSeconds);
  if (back.failures.length > 0) {
    if (held) await hooks.abandon?.(held.value, run);
    if (failure)
      log.error(
        { err: errorMessage(failure.error) },
        `the run had failed before giving back: ${errorMessage(failure.error)}`,
      );
    throw notUndoneError(back.failures);
  }
  log.info(`AVImark is available again${offlineSeconds === null ? '' : ` (offline ${offlineSeconds.toFixed(1)} s)`}`);
  run.warnings.push(...(await sendToUsers(host, log, lockout.backMessage)));
  if (failure || !held) throw explainFailure(failure?.error, run.signal, context, watchdog.fired, where.cut);
  return {
    held: held.value,
    window: { offlineSeconds, lockoutSteps: session.timings(), warnings: run.warnings, plan },
  };
}

function notQuietError(reasons: string[], words: WindowWords): RunFailedError {
  return new RunFailedError(
    `AVImark is not quiet after the lockout, so ${words.notQuiet}:\n${reasons.map((r) => `  - ${r}`).join('\n')}`,
    'AVImark was given back. Add what kept running to lockout.processes / lockout.services, or find what holds the files open.',
  );
}

/** The stop in words: what it cut short (unknown: the work, as before the window tracked it) and what is left. */
function stopped(words: WindowWords, cut: CutShort | null): { what: string; left: string } {
  if (cut && !cut.workStarted) return { what: `${cut.what} was cut short`, left: words.stepFailed };
  return { what: `${words.work} was stopped`, left: words.afterStop };
}

function stopError(signal: AbortSignal, context: LockoutWindowContext, cut: CutShort | null = null): RunFailedError {
  const reason: unknown = signal.reason;
  if (reason instanceof WatchdogFiredError) return watchdogError(reason.maxMinutes, context.words, cut);
  const why = reason instanceof StopRequested ? reason.why : 'a stop request';
  const { what, left } = stopped(context.words, cut);
  const cutWords = cut && !cut.workStarted ? ` (${what})` : '';
  return new InterruptedError(`interrupted by ${why}${cutWords}: AVImark was given back; ${left}`);
}

function watchdogError(maxMinutes: number, words: WindowWords, cut: CutShort | null = null): RunFailedError {
  const { what, left } = stopped(words, cut);
  return new RunFailedError(
    `the lockout reached its limit of ${maxMinutes} minute(s) (lockout.maxLockoutMinutes): ${what} and AVImark given back; ${left}`,
    words.watchdogHint,
  );
}

/** What the user is told about a failure once AVImark is back. */
function explainFailure(
  err: unknown,
  signal: AbortSignal,
  context: LockoutWindowContext,
  watchdogFired = false,
  cut: CutShort | null = null,
): AppError {
  const { words } = context;
  if (watchdogFired) return watchdogError(context.lockout.maxLockoutMinutes, words, cut);
  if (signal.aborted || err instanceof LockoutInterruptedError) return stopError(signal, context, cut);
  if (err instanceof StepFailedError) {
    return new RunFailedError(
      `lockout step "${stepLabel(err.step)}" failed: ${err.message}. AVImark was given back; ${words.stepFailed}.`,
      'see the log for the step; fix the cause (elevation, a service that hangs, a process that cannot be stopped) and run again',
    );
  }
  if (err instanceof AppError) return err;
  return new RunFailedError(words.failed(errorMessage(err)), undefined, { cause: err });
}
