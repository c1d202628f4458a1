import { access } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { Settings } from '../../config/load';
import { dryRunBackup, runBackup } from '../../engine/backup';
import { renderDryRun } from '../../engine/dry-run';
import { renderSummary } from '../../engine/summary';
import { ExitCode, UsageError, errorMessage } from '../../errors';
import { failedWith, startedRun, succeeded, writeLastRun } from '../../state/last-run';
import { afterBackup } from '../../cycle/after-backup';
import { withRunAlerts } from '../../report/run-notifier';
import { snapshotGuard } from '../../cycle/guard';
import { type SuspectSnapshot, describeSuspect, runNightlyCycle } from '../../cycle/nightly';
import { checkOneSourcePerStore } from '../../store/one-source';
import { checkSourceAndDest } from '../../engine/paths';
import { journalPath } from '../../state/paths';
import { renderAfterBackup, renderCycle } from '../backup-summary';
import { offsiteAfterNight } from '../offsite-summary';
import { type CommandDeps, alertContext, cycleLogger, openHost } from '../context';
import { type Logger, openRunLog } from '../../log/logger';
import { addExitCodes } from '../help';
import { type CommandOutcome, action, ok } from '../outcome';
import { createProgressReporter } from '../progress';
import { type SettingsOptionValues, addSettingsOptions, resolveSettings } from '../settings';

export interface BackupFlags extends SettingsOptionValues {
  /** commander's `--no-lockout` → lockout: false. */
  lockout: boolean;
  dryRun?: boolean;
  checksum?: boolean;
  json?: boolean;
  /** `--mode`: overrides the config's "mode" for this run. */
  mode?: Settings['mode'];
  /** `--allow-shrink`: commit a source that shrank past guard.maxShrinkPercent, this once. */
  allowShrink?: boolean;
  /** `--force`: back up into a store that holds snapshots of another source folder. */
  force?: boolean;
}

export function registerBackup(program: Command): void {
  const command = program
    .command('backup')
    .description('make a snapshot of the source folder (incremental: unchanged files are hard-linked)')
    .option('--no-lockout', 'back up while AVImark keeps running (no lockout; only safe when nobody uses it)')
    .option('--dry-run', 'print what would be copied, linked and skipped; change nothing')
    .option('--checksum', 'detect changes by content hash instead of size and modification time')
    .option('--json', 'print one JSON summary object on stdout')
    .option(
      '--allow-shrink',
      'accept, this once, a source that shrank past guard.maxShrinkPercent (or lost a required file)',
    )
    .option('--force', 'back up into a store that holds snapshots of another source folder')
    .addOption(
      new Option('--mode <mode>', 'how AVImark is taken offline this run (overrides the config\'s "mode")').choices([
        'auto',
        'vss',
        'presync',
        'offline',
      ]),
    )
    .addHelpText(
      'after',
      `
Without a config file: avimark-backup backup --source DIR --dest DIR --no-lockout
With one:              avimark-backup backup --config FILE [--no-lockout]
An interrupted backup (power cut, kill, network drop) is resumed by the next run.`,
    );
  addExitCodes(command, {
    0: 'success',
    1: 'the run failed or was interrupted (earlier snapshots untouched; AVImark was given back)',
    2: 'usage or configuration error, or the destination is not available (nothing was touched)',
    3: 'the verification after the backup found missing or damaged files',
    4: 'AVImark could not be fully given back (the message says what; run "avimark-backup recover")',
    5: 'the snapshot looks suspect (ransomware signals): kept but not trusted until "avimark-backup accept ID"',
  });
  addSettingsOptions(command, { source: true, stateDir: true });
  command.action(action(async (flags: BackupFlags) => backupCommand(flags)));
}

function logFor(settings: Settings, flags: BackupFlags): Logger {
  // Flag-only runs (no config, no --state-dir) log to the console only, so a quick manual backup
  // does not need write access to the default state folder.
  const fileLogging = settings.configFile !== null || flags.stateDir !== undefined;
  return openRunLog({
    logDir: fileLogging ? settings.logging.dir : undefined,
    keepDays: settings.logging.keepDays,
    level: settings.logging.level,
    console: 'pretty',
    consoleLevel: 'warn',
    runName: 'backup',
  }).logger;
}

/**
 * With a config and without --no-lockout: the nightly cycle (warn, lock out, copy, give back, verify,
 * prune: src/cycle/nightly.ts), between the start and finish alerts.
 */
async function backupWithLockout(settings: Settings, flags: BackupFlags, deps: CommandDeps): Promise<CommandOutcome> {
  await refuseBadPathsFirst(settings);
  const forced = await refuseAnotherSource(settings, flags);
  const json = Boolean(flags.json);
  const log = deps.log ?? cycleLogger(settings, 'backup', json);
  const host = deps.host ?? openHost(settings);
  const progress = flags.dryRun ? null : await createProgressReporter({ json });
  const runCycle = async (): Promise<CommandOutcome> => {
    const result = await runNightlyCycle({
      settings,
      host,
      log,
      dryRun: flags.dryRun,
      checksum: flags.checksum ?? settings.engine.checksum,
      onProgress: progress?.onProgress,
      onCopyDone: () => progress?.stop(),
      handleSignals: deps.handleSignals,
      allowShrink: flags.allowShrink,
      afterNight: offsiteAfterNight(settings),
    });
    return guardOutcome(renderCycle(result, settings), result.suspect ?? null, forced);
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

/** `--mode` replaces the configured mode; it only means something when AVImark is taken offline. */
function withModeOverride(settings: Settings, flags: BackupFlags): Settings {
  if (flags.mode === undefined) return settings;
  if (flags.lockout === false) {
    throw new UsageError(
      '--mode chooses how AVImark is taken offline, and --no-lockout does not take it offline',
      'give one of --mode and --no-lockout',
    );
  }
  return { ...settings, mode: flags.mode };
}

/**
 * A --no-lockout run with a config is recorded in the state folder's last-run.json like the nightly cycle,
 * so `status` and the alerts know of it however it ends (a success is also in the store's run record).
 */
async function recordedInStateFolder(
  settings: Settings,
  log: Logger,
  work: () => Promise<CommandOutcome>,
): Promise<CommandOutcome> {
  let run = startedRun('backup', new Date(), { mode: 'no-lockout' });
  let refused = false;
  try {
    const outcome = await work();
    const json = outcome.json as { snapshotId?: unknown } | null;
    const snapshotId = typeof json?.snapshotId === 'string' ? json.snapshotId : null;
    run = succeeded({ ...run, snapshotId }, outcome.text.split('\n')[0] ?? '');
    return outcome;
  } catch (err) {
    // Refused paths or settings (exit 2) touch nothing, the state folder included.
    refused = err instanceof UsageError;
    run = failedWith(run, err);
    throw err;
  } finally {
    if (!refused)
      await writeLastRun(settings.stateDir, { ...run, endedAt: new Date().toISOString() }).catch((err: unknown) =>
        log.warn(`could not record the run in ${settings.stateDir}: ${errorMessage(err)}`),
      );
  }
}

export async function backupCommand(flags: BackupFlags, deps: CommandDeps = {}): Promise<CommandOutcome> {
  const settings = withModeOverride(await resolveSettings(flags), flags);
  if (flags.lockout !== false) {
    if (settings.configFile === null) {
      throw new UsageError(
        'taking AVImark offline (the lockout) needs a configuration file: give --config FILE',
        'or add --no-lockout to back up without a lockout (only safe when nobody is using AVImark)',
      );
    }
    return backupWithLockout(settings, flags, deps);
  }
  const json = Boolean(flags.json);
  const forced = await refuseAnotherSource(settings, flags);
  if (flags.dryRun) {
    const report = await dryRunBackup({
      source: settings.source,
      dest: settings.destination,
      engine: settings.engine,
      checksum: flags.checksum,
    });
    return ok(renderDryRun(report), report);
  }
  const log = deps.log ?? logFor(settings, flags);
  const progress = await createProgressReporter({ json });
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // With a config: the cycle's step 7 (verify.after, retention.auto) and the alerts (Event Log through the
  // host, e-mail). Flags only (a quick manual run): neither; no alerts config exists and nothing is pruned.
  const withConfig = settings.configFile !== null;
  const host = withConfig ? (deps.host ?? (settings.alerts.eventLog.enabled ? openHost(settings) : null)) : null;
  const run = async (): Promise<CommandOutcome> => {
    const { record, summary } = await runBackup({
      source: settings.source,
      dest: settings.destination,
      engine: settings.engine,
      checksum: flags.checksum ?? settings.engine.checksum,
      log,
      signal: controller.signal,
      onProgress: progress.onProgress,
      guard: snapshotGuard(settings, { allowShrink: flags.allowShrink ?? false, log }),
    });
    progress.stop();
    const suspect = record.suspect ? describeSuspect(record.snapshotId, record.suspect.reasons) : null;
    if (!withConfig) return guardOutcome(ok(renderSummary(summary), summary), suspect, forced);
    const after = await afterBackup(settings, summary.snapshotId, log);
    const rendered = renderAfterBackup(after, settings, summary.warnings);
    const text = [renderSummary(summary), ...rendered.lines].join('\n');
    const out = { ...summary, ...rendered.json };
    return guardOutcome(
      rendered.damaged ? { exitCode: ExitCode.Damage, text, json: out } : ok(text, out),
      suspect,
      forced,
    );
  };
  try {
    if (!withConfig) return await run();
    return await recordedInStateFolder(settings, log, () =>
      withRunAlerts(
        alertContext(
          settings,
          'backup --no-lockout',
          host,
          log,
          deps,
          `Source ${settings.source}, destination ${settings.destination} (no lockout).`,
        ),
        run,
      ),
    );
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (host && !deps.host) await host.dispose().catch(() => undefined);
  }
}

/**
 * One source per store (src/store/one-source.ts): refused (exit 2) before anything is touched unless
 * --force, which returns a warning for the summary. Problems reading the store are left to the run itself.
 */
async function refuseAnotherSource(settings: Settings, flags: BackupFlags): Promise<string | null> {
  // A killed run's lockout is given back first (the cycle); this refusal then waits for the next run.
  if (
    await access(journalPath(settings.stateDir)).then(
      () => true,
      () => false,
    )
  )
    return null;
  try {
    return await checkOneSourcePerStore(settings.destination, settings.source, { force: flags.force });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return null;
  }
}

/**
 * The guards' part of the outcome: `suspect` and its reasons in the JSON summary; a suspect snapshot
 * (committed, `latest` unmoved, pruning held) exits 5 with the reasons as the first line (the alert's
 * message, Event Log 1030 and e-mail).
 */
function guardOutcome(outcome: CommandOutcome, suspect: SuspectSnapshot | null, forced: string | null): CommandOutcome {
  const base = typeof outcome.json === 'object' && outcome.json !== null ? outcome.json : {};
  const earlier = (base as { warnings?: unknown }).warnings;
  const warnings = [...(Array.isArray(earlier) ? earlier : []), ...(forced ? [forced] : [])];
  const json = { ...base, warnings, suspect: suspect !== null, suspectReasons: suspect?.reasons ?? [] };
  const text = forced ? `${outcome.text}\n  warning: ${forced}` : outcome.text;
  if (!suspect) return { ...outcome, text, json };
  return {
    exitCode: ExitCode.Suspect,
    text: [`SUSPECT: ${suspect.message}.`, `  what to do: ${suspect.hint}`, text].join('\n'),
    json,
  };
}
