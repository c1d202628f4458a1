import path from 'node:path';
import type { Command } from 'commander';
import { restoreSnapshot } from '../../engine/restore';
import { ExitCode, UsageError } from '../../errors';
import { localFs } from '../../fs/local';
import { readManifestHeader } from '../../store/manifest';
import { readRunRecord } from '../../store/run-record';
import { resolveSnapshotId } from '../../store/snapshots';
import { commandLogger, progressTicker } from '../command-log';
import { type CommandOutcome, action } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettings } from '../settings';
import { formatBytes } from '../../format/bytes';
import { type RestoreToLiveFlags, addRestoreToLiveOptions, restoreToLiveCommand } from './restore-live';

interface RestoreFlags extends SettingsOptionValues {
  to?: string;
  force?: boolean;
  json?: boolean;
  dryRun?: boolean;
}

export function registerRestore(program: Command): void {
  const command = program
    .command('restore')
    .argument('<id>', 'the snapshot to restore (an id from "list", or "latest")')
    .description('copy a snapshot into a folder as an independent, writable copy, checked against the manifest')
    .option('--to <dir>', 'the folder to restore into (created if needed; must be empty unless --force)')
    .option('--force', 'write into a folder that is not empty (files of the same name are replaced)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Every file is written anew (never a hard link into the store), hashed as it is written and compared
with the manifest, and gets back its original modification time. Refuses the live AVImark folder
(the configured "source", and the source recorded in the snapshot) and anything inside or around it,
and folders inside the store.
Exit codes: 0 restored and matching, 3 some files did not match the manifest or were missing, 2 refused.`,
    );
  addSettingsOptions(command, { stateDir: true });
  addRestoreToLiveOptions(command);
  command.action(
    action(async (id: string, flags: RestoreFlags & RestoreToLiveFlags) =>
      flags.toLive ? restoreToLiveCommand(id, flags) : restoreCommand(id, flags),
    ),
  );
}

export async function restoreCommand(id: string, flags: RestoreFlags): Promise<CommandOutcome> {
  if (!flags.to) throw new UsageError('restore needs --to DIR (or --to-live to restore over the live AVImark folder)');
  // Someone who asked for a dry run must not get a real restore.
  if (flags.dryRun)
    throw new UsageError(
      '--dry-run applies to --to-live only; a restore with --to only writes into a new or empty folder',
    );
  const settings = await resolveStoreSettings(flags);
  const target = path.resolve(flags.to);
  const snapshot = await resolveSnapshotId(settings.destination, id);
  // The source recorded in the snapshot counts as live too: `--dest` alone must not let a restore land in AVImark.
  const recordedSource = (await readManifestHeader(localFs, snapshot.manifestPath)).source;
  const liveSources = [settings.source, recordedSource].filter(
    (s): s is string => typeof s === 'string' && path.isAbsolute(s),
  );
  const logger = commandLogger(settings, 'restore', 'warn', flags);
  const totalBytes = await readRunRecord(settings.destination, snapshot.id).then(
    (r) => r.bytesTotal,
    () => null,
  );
  const tick = progressTicker(`restoring ${snapshot.id}`, { json: Boolean(flags.json), totalBytes });
  const result = await restoreSnapshot(snapshot, target, {
    force: flags.force ?? false,
    liveSources,
    dest: settings.destination,
    logger,
    onProgress: (p) => tick({ files: p.filesWritten, bytes: p.bytesWritten }),
  });
  const ok = result.problems.length === 0;
  const lines = [
    `${ok ? 'Restored' : 'Restored WITH PROBLEMS'} ${result.snapshotId} into ${result.target}: ${result.files} files (${formatBytes(result.bytes)}), ${result.dirs} folders${result.symlinks ? `, ${result.symlinks} links` : ''} in ${result.durationSeconds.toFixed(1)} s.`,
    ...result.problems.slice(0, 50).map((p) => `  damaged ${p.path}: ${p.detail}`),
    ...(result.problems.length > 50 ? [`  … and ${result.problems.length - 50} more (see the log)`] : []),
    ...result.warnings.slice(0, 20).map((w) => `  warning: ${w}`),
  ];
  if (!ok) lines.push('', 'Some files do not match the backup. Try an older snapshot ("avimark-backup list").');
  return { exitCode: ok ? ExitCode.Success : ExitCode.Damage, text: lines.join('\n'), json: { ok, ...result } };
}
