import { type Command, InvalidArgumentError } from 'commander';
import { errorMessage } from '../../errors';
import { readJournal } from '../../lockout/journal';
import { recoverLockout } from '../../lockout/recover';
import { failedWith, startedRun, succeeded, writeLastRun } from '../../state/last-run';
import { holdRunLock } from '../../state/run-lock';
import type { HeldLock } from '../../store/lock';
import { addExitCodes } from '../help';
import { type CommandOutcome, action, ok } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettings } from '../settings';
import { withRunAlerts } from '../../report/run-notifier';
import { type CommandDeps, alertContext, cycleLogger, openHost } from '../context';

interface RecoverFlags extends SettingsOptionValues {
  force?: boolean;
  json?: boolean;
  waitMinutes?: number;
}

function waitMinutes(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 60)
    throw new InvalidArgumentError('must be a number of minutes from 0 to 60, e.g. 5 or 0.5');
  return n;
}

export function registerRecover(program: Command): void {
  const command = program
    .command('recover')
    .description('give AVImark back after a run that was killed (undo every lockout step left in the journal)')
    .option('--force', 'recover even though the process that owns the lockout still seems to be running')
    .option('--json', 'print the result as JSON')
    .option(
      '--wait-minutes <minutes>',
      'how long to wait for a server that does not answer yet (booting) before giving back anyway (default: lockout.recoverWaitMinutes, 5)',
      waitMinutes,
    )
    .addHelpText(
      'after',
      `
Reads the lockout journal in the state folder and undoes, in reverse order, every step a killed run
left in place: restores the services' start types and running state, the share's exact ACL (or
re-creates it), and renames the executables back. Safe to run at any time: it does nothing when
nothing is locked, and refuses while the backup that owns the lockout is still running (it gives
AVImark back itself) unless --force. Run it from the startup task after a reboot.`,
    );
  addExitCodes(command, {
    0: 'nothing to do or everything given back',
    1: 'refused or failed',
    2: 'usage or configuration error',
    4: 'something could not be given back (the message says what, and the exact commands to fix it by hand)',
  });
  addSettingsOptions(command, { stateDir: true });
  command.action(action(async (flags: RecoverFlags) => recoverCommand(flags)));
}

export async function recoverCommand(flags: RecoverFlags, deps: CommandDeps = {}): Promise<CommandOutcome> {
  const settings = await resolveStoreSettings(flags);
  const journal = await readJournal(settings.stateDir);
  if (journal === null) {
    const text = 'Nothing to recover: no lockout journal, AVImark is not locked out by avimark-backup.';
    return ok(text, { action: 'nothing', undone: [], warnings: [] });
  }
  const json = Boolean(flags.json);
  const log = deps.log ?? cycleLogger(settings, 'recover', json);
  // Hold the run lock so no backup starts while we give back; a live backup holding it is left alone unless forced.
  let runLock: HeldLock | null = null;
  try {
    runLock = await holdRunLock(settings.stateDir, 'recover', log);
  } catch (err) {
    if (!flags.force) throw err;
    log.warn(`--force: recovering although the run lock is held (${errorMessage(err)})`);
  }
  const host = deps.host ?? openHost(settings);
  const startedAt = new Date();
  // Alerts only when a journal was found (above): a boot with nothing to recover writes no event.
  const run = async (): Promise<CommandOutcome> => {
    const result = await recoverLockout({
      host,
      stateDir: settings.stateDir,
      log,
      force: flags.force,
      waitMinutes: flags.waitMinutes ?? settings.lockout.recoverWaitMinutes,
    });
    const text =
      result.action === 'nothing'
        ? 'Nothing to recover: every lockout step in the journal was already given back.'
        : [
            `AVImark was given back (lockout left by pid ${result.journalOwner?.pid}, started ${result.journalOwner?.startedAt}):`,
            ...result.undone.map((s) => `  - undone: ${s}`),
            ...result.warnings.map((w) => `  warning: ${w}`),
          ].join('\n');
    const done = { ...succeeded(startedRun('recover', startedAt), text), warnings: result.warnings };
    await writeLastRun(settings.stateDir, { ...done, endedAt: new Date().toISOString() }).catch(() => undefined);
    return ok(text, result);
  };
  try {
    return await withRunAlerts(
      alertContext(
        settings,
        'recover',
        host,
        log,
        deps,
        `Lockout journal of pid ${journal.owner.pid} (${journal.purpose}) found.`,
      ),
      run,
    );
  } catch (err) {
    const failed = failedWith(startedRun('recover', startedAt), err);
    await writeLastRun(settings.stateDir, { ...failed, endedAt: new Date().toISOString() }).catch(() => undefined);
    throw err;
  } finally {
    if (!deps.host) await host.dispose().catch(() => undefined);
    await runLock?.release();
  }
}
