import type { Settings, StoreSettings } from '../../config/load';
import { runNightlyCycle, type NightlyCycleResult } from '../../cycle/nightly';
import { formatDuration, renderSummary, summaryFromRecord } from '../../engine/summary';
import { createPowerShellHost } from '../../host/powershell';
import type { WindowsHost } from '../../host/types';
import { type Logger, openRunLog } from '../../log/logger';
import { ExitCode, errorMessage } from '../../errors';
import { afterBackup, type AfterBackupResult } from '../../cycle/after-backup';
import { type CommandOutcome, ok } from '../outcome';
import { createProgressReporter } from '../progress';
import type { EmailDeps } from '../../report/email';
import { type RunAlertContext, withRunAlerts } from '../../report/run-notifier';
import { checkSourceAndDest } from '../../engine/paths';
import { journalPath } from '../../lockout/journal';
import { access } from 'node:fs/promises';

/** The flags of `backup` that the nightly cycle reads. */
export interface NightlyFlags {
  dryRun?: boolean;
  checksum?: boolean;
  json?: boolean;
}

/** The Windows host the lockout works through (PowerShell; the simulator is chosen by environment in tests). */
export function openHost(settings: StoreSettings): WindowsHost {
  return createPowerShellHost({
    executable: settings.powershell.executable,
    callTimeoutSeconds: settings.powershell.callTimeoutSeconds,
  });
}

/** The cycle's log: the per-run file, and on the console each lockout step as it happens (warnings only under --json). */
export function cycleLogger(settings: StoreSettings, runName: string, json: boolean): Logger {
  const options = {
    level: settings.logging.level,
    console: 'pretty' as const,
    consoleLevel: json ? ('warn' as const) : ('info' as const),
    runName,
  };
  try {
    return openRunLog({ ...options, logDir: settings.logging.dir, keepDays: settings.logging.keepDays }).logger;
  } catch (err) {
    const logger = openRunLog(options).logger;
    logger.warn(
      `cannot write the log file in ${settings.logging.dir}, logging to the console only: ${errorMessage(err)}`,
    );
    return logger;
  }
}

/** What a command can be handed instead of the real thing (tests: the memory host, a test SMTP password). */
export interface CommandDeps {
  host?: WindowsHost;
  log?: Logger;
  emailDeps?: EmailDeps;
  /** Passed to the nightly cycle (tests: false, so no process-wide signal handlers are installed). */
  handleSignals?: boolean;
}

/** The alert context of a run that has the full settings (a config) and a host. */
export function alertContext(
  settings: StoreSettings,
  command: string,
  host: WindowsHost | null,
  log: Logger,
  deps: CommandDeps,
  detail = '',
): RunAlertContext {
  return {
    settings,
    command,
    host,
    log,
    store: { destination: settings.destination, stateDir: settings.stateDir },
    detail,
    emailDeps: deps.emailDeps,
  };
}

/** `backup --config FILE` (lockout on): the nightly cycle, between the start and finish alerts. */
export async function nightlyBackupCommand(
  settings: Settings,
  flags: NightlyFlags,
  deps: CommandDeps = {},
): Promise<CommandOutcome> {
  await refuseBadPathsFirst(settings);
  const json = Boolean(flags.json);
  const log = deps.log ?? cycleLogger(settings, 'backup', json);
  const host = deps.host ?? openHost(settings);
  const progress = flags.dryRun ? null : createProgressReporter({ json });
  const runCycle = async (): Promise<CommandOutcome> => {
    const result = await runNightlyCycle({
      settings,
      host,
      log,
      dryRun: flags.dryRun,
      checksum: flags.checksum ?? settings.engine.checksum,
      onProgress: progress?.onProgress,
      handleSignals: deps.handleSignals,
    });
    progress?.stop();
    const after = result.snapshotId ? await afterBackup(settings, result.snapshotId, log) : null;
    return renderCycle(result, settings, after);
  };
  try {
    if (flags.dryRun) return await runCycle();
    return await withRunAlerts(
      alertContext(
        settings,
        'backup',
        host,
        log,
        deps,
        `Source ${settings.source}, destination ${settings.destination}.`,
      ),
      runCycle,
    );
  } finally {
    progress?.stop();
    await host.dispose().catch(() => undefined);
  }
}

/**
 * Rule 4: a missing source or an overlapping destination exits 2 before the log (state folder), the
 * destination or PowerShell is touched. Unless a killed run left a lockout journal: then the cycle
 * runs so it gives AVImark back first, and refuses the paths afterwards.
 */
async function refuseBadPathsFirst(settings: Settings): Promise<void> {
  try {
    await checkSourceAndDest(settings.source, settings.destination);
  } catch (err) {
    const leftoverLockout = await access(journalPath(settings.stateDir)).then(
      () => true,
      () => false,
    );
    if (!leftoverLockout) throw err;
  }
}

export function renderCycle(
  result: NightlyCycleResult,
  settings: Settings,
  after: AfterBackupResult | null = null,
): CommandOutcome {
  if (result.dryRun || !result.record) {
    const text = ['Dry run: nothing was changed and nobody was disturbed.', ...result.planText].join('\n');
    return ok(text, {
      dryRun: true,
      mode: result.mode,
      plan: result.planText,
      expectedCopy: result.expectedCopy,
      notes: result.warnings,
    });
  }
  const summary = summaryFromRecord(result.record, settings.destination, {
    filesCopied: result.record.filesCopied,
    bytesCopied: result.record.bytesCopied,
  });
  const lines = [renderSummary(summary), `  mode:     ${result.mode} (${result.modeReason})`];
  if (result.offlineSeconds !== null) {
    lines.push(
      `  AVImark offline: ${formatDuration(result.offlineSeconds)} (from the first lockout step to the end of give-back)`,
    );
    for (const step of result.lockoutSteps) lines.push(`    ${step.seconds.toFixed(2).padStart(7)} s  ${step.step}`);
  }
  const rendered = renderAfterBackup(after, settings, summary.warnings);
  lines.push(...rendered.lines);
  const json = {
    ...summary,
    mode: result.mode,
    modeReason: result.modeReason,
    offlineSeconds: result.offlineSeconds,
    lockoutSteps: result.lockoutSteps,
    ...rendered.json,
  };
  if (rendered.damaged) return { exitCode: ExitCode.Damage, text: lines.join('\n'), json };
  return ok(lines.join('\n'), json);
}

/** The verify and prune lines (and JSON fields) of step 7, shared by the cycle and `backup --no-lockout` with a config. */
export function renderAfterBackup(after: AfterBackupResult | null, settings: Settings, runWarnings: string[]) {
  const lines: string[] = [];
  const problems = after?.verify?.problems ?? [];
  if (after?.verify) {
    const v = after.verify.record;
    lines.push(
      `  verified: ${v.filesChecked} file(s) re-hashed (verify.after = ${settings.verify.after}): ${problems.length === 0 ? 'OK' : `${problems.length} PROBLEM(S)`}`,
    );
    for (const p of problems.slice(0, 20)) lines.push(`    ${p.kind} ${p.path}: ${p.detail}`);
  }
  if (after?.prune)
    lines.push(`  pruned:   ${after.prune.remove.length} old snapshot(s) removed, ${after.prune.keep.length} kept`);
  for (const w of after?.warnings ?? []) lines.push(`  warning: ${w}`);
  const json = {
    verify: after?.verify
      ? { ok: problems.length === 0, filesChecked: after.verify.record.filesChecked, problems }
      : null,
    pruned: after?.prune ? after.prune.remove.map((r) => r.id) : [],
    warnings: [...runWarnings, ...(after?.warnings ?? [])],
  };
  return { lines, json, damaged: problems.length > 0 };
}
