import type { Command } from 'commander';
import { ExitCode } from '../../errors';
import { renderSelftest, runSelftest } from '../../selftest/run';
import { allChecks } from '../../selftest/checks';
import { offsiteChecks } from '../../selftest/offsite';
import { addExitCodes } from '../help';
import { type CommandOutcome, action } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettings } from '../settings';
import { cycleLogger, openHost } from '../context';

interface SelftestFlags extends SettingsOptionValues {
  json?: boolean;
}

export function registerSelftest(program: Command): void {
  const command = program
    .command('selftest')
    .description("check every Windows capability the backup needs, on throwaway objects (never AVImark's own)")
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Run once on the server before the first night, elevated (or as SYSTEM), with the same configuration
as the nightly task. Each check creates its own throwaway object and removes it again:
  powershell  the PowerShell bridge starts and answers
  share       a temporary folder shared as avb-selftest-<random>$, locked with the deny-all ACL,
              its SDDL restored and compared byte for byte, then removed
  shadow      a shadow copy of the source's volume; a probe file read through it; the shadow deleted
  message     msg.exe to your own session only (other users see nothing)
  eventlog    event 1010 in the Application log under the configured source
  task        a temporary task in \\avimark-backup-selftest\\ as SYSTEM (highest), never run, removed
  email       a test message, when alerts.email is configured
AVImark's share, services, processes and files are never touched.`,
    );
  addExitCodes(command, {
    0: 'every check passed or was skipped',
    1: 'at least one failed (each failure says how to fix it)',
    2: 'usage or configuration error',
  });
  addSettingsOptions(command, { stateDir: true });
  command.action(action(async (flags: SelftestFlags) => selftestCommand(flags)));
}

export async function selftestCommand(flags: SelftestFlags): Promise<CommandOutcome> {
  const settings = await resolveStoreSettings(flags);
  const json = Boolean(flags.json);
  const log = cycleLogger(settings, 'selftest', json);
  const host = openHost(settings);
  try {
    const report = await runSelftest(
      {
        host,
        settings: {
          source: settings.source,
          stateDir: settings.stateDir,
          lockout: { share: settings.lockout.share },
          alerts: settings.alerts,
          offsite: settings.offsite,
        },
        log,
      },
      settings.offsite ? [...allChecks, ...offsiteChecks] : allChecks,
    );
    return { exitCode: report.ok ? ExitCode.Success : ExitCode.RunFailed, text: renderSelftest(report), json: report };
  } finally {
    await host.dispose();
  }
}
