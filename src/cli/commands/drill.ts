import type { Command } from 'commander';
import { drillRestore, runDrill } from '../../drill/drill';
import { ExitCode } from '../../errors';
import { readManifestHeader } from '../../store/manifest';
import { type SnapshotRef, resolveSnapshotId } from '../../store/snapshots';
import type { StoreSettings } from '../../config/load';
import type { Logger } from '../../log/logger';
import { withRunAlerts } from '../../report/run-notifier';
import { type CommandDeps, alertContext, openHost } from '../context';
import { localFs } from '../../fs/local';
import { commandLogger, progressTicker } from '../command-log';
import { snapshotBytesTotal } from '../../store/run-record';
import { addExitCodes } from '../help';
import { type CommandOutcome, action } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettingsWithStore } from '../settings';

interface DrillFlags extends SettingsOptionValues {
  json?: boolean;
}

export function registerDrill(program: Command): void {
  const command = program
    .command('drill')
    .argument('[id]', 'the snapshot to drill (default: the latest)', 'latest')
    .description('restore a snapshot into a scratch folder and prove it is usable (restore drill)')
    .addHelpText(
      'after',
      `
Restores the snapshot into DEST/drill-scratch/, checks every file against the manifest, checks the files
AVImark cannot start without (drill.requiredFiles), runs drill.command if configured ({dir} = the restored
folder; its exit code is the verdict), records the result in DEST/meta/<ID>/drill.json and removes the
scratch folder. Never touches the live AVImark folder, never modifies the snapshot.`,
    )
    .option('--json', 'print the drill record as JSON');
  addExitCodes(command, {
    0: 'passed',
    1: 'the drill could not be carried out',
    2: 'usage or configuration error, or the destination is not available',
    3: 'the backup is not usable as it stands',
  });
  addSettingsOptions(command);
  command.action(action(async (id: string, flags: DrillFlags) => drillCommand(id, flags)));
}

export async function drillCommand(id: string, flags: DrillFlags, deps: CommandDeps = {}): Promise<CommandOutcome> {
  const settings = await resolveStoreSettingsWithStore(flags);
  const dest = settings.destination;
  const snapshot = await resolveSnapshotId(dest, id);
  const logger = deps.log ?? commandLogger(settings, 'drill', 'error');
  // With a config: the start and finish alerts (a failed drill is a problem alert: exit 3 → event 1005, exit 1 → 1002).
  if (settings.configFile === null) return drillRun(settings, snapshot, logger, Boolean(flags.json));
  const host = deps.host ?? (settings.alerts.eventLog.enabled ? openHost(settings) : null);
  try {
    return await withRunAlerts(alertContext(settings, 'drill', host, logger, deps, `Snapshot ${snapshot.id}.`), () =>
      drillRun(settings, snapshot, logger, Boolean(flags.json)),
    );
  } finally {
    if (host && !deps.host) await host.dispose().catch(() => undefined);
  }
}

async function drillRun(
  settings: StoreSettings,
  snapshot: SnapshotRef,
  logger: Logger,
  json: boolean,
): Promise<CommandOutcome> {
  const dest = settings.destination;
  const totalBytes = await snapshotBytesTotal(dest, snapshot.id);
  const tick = progressTicker(`drilling ${snapshot.id}`, { json, totalBytes });
  const recordedSource = (await readManifestHeader(localFs, snapshot.manifestPath)).source;
  const liveSources = [settings.source, recordedSource].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  const { record, command } = await runDrill({
    dest,
    snapshot,
    liveSources,
    requiredFiles: settings.drill.requiredFiles,
    command: settings.drill.command,
    commandTimeoutMs: settings.drill.commandTimeoutMinutes * 60_000,
    restore: drillRestore(dest, liveSources, logger, (p) => tick({ files: p.filesWritten, bytes: p.bytesWritten })),
    logger,
  });
  const lines = [
    record.ok
      ? `Restore drill of ${record.snapshotId} PASSED: ${record.filesChecked} files restored and checked against the manifest${record.command ? `, drill command exited 0` : ''} (${record.durationSeconds} s).`
      : `Restore drill of ${record.snapshotId} FAILED (${record.problems.length} ${record.problems.length === 1 ? 'problem' : 'problems'}):`,
    ...record.problems.slice(0, 50).map((p) => `  - ${p}`),
    ...(record.problems.length > 50
      ? [`  … and ${record.problems.length - 50} more (see meta/${record.snapshotId}/drill.json)`]
      : []),
  ];
  return {
    exitCode: record.ok ? ExitCode.Success : ExitCode.Damage,
    text: lines.join('\n'),
    json: { ...record, commandOutputTail: command?.outputTail ?? null },
  };
}
