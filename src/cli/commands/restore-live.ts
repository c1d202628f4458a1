import { checkDestinationAvailable } from '../../engine/paths';
import type { Command } from 'commander';
import { restoreToLive } from '../../cycle/restore-live';
import { formatBytes } from '../../format/bytes';
import { formatDuration } from '../../format/duration';
import { UsageError } from '../../errors';
import { resolveSnapshotId } from '../../store/snapshots';
import { type CommandOutcome, ok } from '../outcome';
import { type SettingsOptionValues, resolveSettings } from '../settings';
import { withRunAlerts } from '../../report/run-notifier';
import { type CommandDeps, alertContext, cycleLogger, openHost } from '../context';

export interface RestoreToLiveFlags extends SettingsOptionValues {
  toLive?: boolean;
  dryRun?: boolean;
  to?: string;
  json?: boolean;
}

/** Adds `--to-live` and `--dry-run` to the restore command (see src/cycle/restore-live.ts). */
export function addRestoreToLiveOptions(command: Command): Command {
  return command
    .option(
      '--to-live',
      'restore over the live AVImark folder: warn users, lock AVImark out, swap the folders, give it back (needs --config)',
    )
    .option('--dry-run', 'with --to-live: print the plan and change nothing');
}

/** `restore ID --to-live`: disaster recovery over the live folder. */
export async function restoreToLiveCommand(
  id: string,
  flags: RestoreToLiveFlags,
  deps: CommandDeps = {},
): Promise<CommandOutcome> {
  if (flags.to) throw new UsageError('give either --to DIR or --to-live, not both');
  const settings = await resolveSettings(flags);
  if (settings.configFile === null)
    throw new UsageError('restore --to-live takes AVImark offline and needs the configuration: give --config FILE');
  await checkDestinationAvailable(settings.destination);
  const snapshot = await resolveSnapshotId(settings.destination, id);
  const json = Boolean(flags.json);
  const log = deps.log ?? cycleLogger(settings, 'restore-to-live', json);
  const host = deps.host ?? openHost(settings);
  const run = async (): Promise<CommandOutcome> => {
    const r = await restoreToLive({ settings, host, log, snapshot, dryRun: flags.dryRun });
    if (r.dryRun) return ok(['Dry run: nothing was changed and nobody was disturbed.', ...r.planText].join('\n'), r);
    const lines = [
      `Snapshot ${r.snapshotId} is now the live AVImark folder ${r.source}: ${r.files} files (${formatBytes(r.bytes)}), checked against the manifest.`,
      `The previous folder is kept at ${r.rollbackDir} (delete it yourself once AVImark works).`,
      `AVImark was offline ${formatDuration(r.offlineSeconds ?? 0)}:`,
      ...r.lockoutSteps.map((s) => `  ${s.seconds.toFixed(2).padStart(7)} s  ${s.step}`),
      ...r.warnings.map((w) => `  warning: ${w}`),
    ];
    return ok(lines.join('\n'), r);
  };
  try {
    if (flags.dryRun) return await run();
    return await withRunAlerts(
      alertContext(settings, 'restore --to-live', host, log, deps, `Snapshot ${snapshot.id} over ${settings.source}.`),
      run,
    );
  } finally {
    if (!deps.host) await host.dispose().catch(() => undefined);
  }
}
