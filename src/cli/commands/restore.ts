import path from 'node:path';
import type { Command } from 'commander';
import { type RestoreResult, restoreSnapshot } from '../../engine/restore';
import type { StoreSettings } from '../../config/load';
import { applyAcls } from '../../engine/metadata';
import { ExitCode, UsageError, errorMessage } from '../../errors';
import { localFs } from '../../fs/local';
import { type AclFile, readAclFile } from '../../store/acl';
import { readManifestHeader } from '../../store/manifest';
import { snapshotBytesTotal } from '../../store/run-record';
import { resolveSnapshotId } from '../../store/snapshots';
import { commandLogger, progressTicker } from '../command-log';
import { openHost } from '../context';
import { addExitCodes } from '../help';
import { type CommandOutcome, action } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettingsWithStore } from '../settings';
import { formatBytes } from '../../format/bytes';
import { type RestoreToLiveFlags, addRestoreToLiveOptions, restoreToLiveCommand } from './restore-live';

interface RestoreFlags extends SettingsOptionValues {
  to?: string;
  force?: boolean;
  json?: boolean;
  dryRun?: boolean;
  acl?: boolean;
}

export function registerRestore(program: Command): void {
  const command = program
    .command('restore')
    .argument('<id>', 'the snapshot to restore (an id from "list", or "latest")')
    .description('copy a snapshot into a folder as an independent, writable copy, checked against the manifest')
    .option('--to <dir>', 'the folder to restore into (created if needed; must be empty unless --force)')
    .option('--force', 'write into a folder that is not empty (files of the same name are replaced)')
    .option('--json', 'print the result as JSON')
    .option('--acl', 'also put back the folder permissions (NTFS access lists) recorded with the snapshot (Windows)')
    .addHelpText(
      'after',
      `
Every file is written anew (never a hard link into the store), hashed as it is written and compared
with the manifest, and gets back its original modification time. Refuses the live AVImark folder
(the configured "source", and the source recorded in the snapshot) and anything inside or around it,
and folders inside the store. A restore interrupted (Ctrl+C) removes its unfinished files and leaves
a marker in the folder; the next restore into it says so.`,
    );
  addExitCodes(command, {
    0: 'restored and matching',
    1: 'the restore failed or was interrupted (Ctrl+C)',
    2: 'refused (bad arguments, a folder that is not empty or is live, the destination not available)',
    3: 'some files did not match the manifest or were missing',
    4: 'with --to-live: AVImark could not be fully given back (run "avimark-backup recover")',
  });
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
  const settings = await resolveStoreSettingsWithStore(flags);
  const target = path.resolve(flags.to);
  const snapshot = await resolveSnapshotId(settings.destination, id);
  // The source recorded in the snapshot counts as live too: `--dest` alone must not let a restore land in AVImark.
  const recordedSource = (await readManifestHeader(localFs, snapshot.manifestPath)).source;
  const liveSources = [settings.source, recordedSource].filter(
    (s): s is string => typeof s === 'string' && path.isAbsolute(s),
  );
  // Checked before anything is written: a snapshot without recorded permissions cannot give them back.
  const acls = flags.acl ? await readAclFile(localFs, settings.destination, snapshot.id) : null;
  if (flags.acl && !acls)
    throw new UsageError(
      `snapshot ${snapshot.id} holds no folder permissions (it was taken on Linux, or before they were recorded)`,
      'restore without --acl',
    );
  const logger = commandLogger(settings, 'restore', 'warn', flags);
  const totalBytes = await snapshotBytesTotal(settings.destination, snapshot.id);
  const tick = progressTicker(`restoring ${snapshot.id}`, { json: Boolean(flags.json), totalBytes });
  // Ctrl+C (or the task being stopped): the restore stops, removes its unfinished files and exits 1.
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result: RestoreResult;
  try {
    result = await restoreSnapshot(snapshot, target, {
      force: flags.force ?? false,
      liveSources,
      dest: settings.destination,
      logger,
      signal: controller.signal,
      onProgress: (p) => tick({ files: p.filesWritten, bytes: p.bytesWritten }),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const aclProblems = acls ? await putBackAcls(settings, target, acls) : [];
  const ok = result.problems.length === 0;
  const lines = [
    `${ok ? 'Restored' : 'Restored WITH PROBLEMS'} ${result.snapshotId} into ${result.target}: ${result.files} files (${formatBytes(result.bytes)}), ${result.dirs} folders${result.symlinks ? `, ${result.symlinks} links` : ''} in ${result.durationSeconds.toFixed(1)} s.`,
    ...result.problems.slice(0, 50).map((p) => `  damaged ${p.path}: ${p.detail}`),
    ...(result.problems.length > 50 ? [`  … and ${result.problems.length - 50} more (see the log)`] : []),
    ...result.warnings.slice(0, 20).map((w) => `  warning: ${w}`),
    ...(acls && aclProblems.length === 0
      ? [`Folder permissions put back (${acls.items.length + 1} access lists).`]
      : []),
    ...aclProblems.map((p) => `  permissions not restored as recorded: ${p}`),
  ];
  if (!ok) lines.push('', 'Some files do not match the backup. Try an older snapshot ("avimark-backup list").');
  // --acl asked for the permissions too: ones that did not come back make the run fail (exit 1).
  const exitCode = !ok ? ExitCode.Damage : aclProblems.length > 0 ? ExitCode.RunFailed : ExitCode.Success;
  const json = acls ? { ok: ok && aclProblems.length === 0, ...result, aclProblems } : { ok, ...result };
  return { exitCode, text: lines.join('\n'), json };
}

/** `--acl`: the snapshot's access lists onto the restored folder through the Windows host, read back and compared. */
async function putBackAcls(settings: StoreSettings, target: string, acls: AclFile): Promise<string[]> {
  const host = openHost(settings);
  try {
    return (await applyAcls(host, target, acls)).problems;
  } catch (err) {
    return [`the folder permissions could not be put back on ${target}: ${errorMessage(err)}`];
  } finally {
    await host.dispose().catch(() => undefined);
  }
}
