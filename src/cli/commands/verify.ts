import type { Command } from 'commander';
import { verifySnapshot, type VerifyResult } from '../../engine/verify';
import { ExitCode, UsageError } from '../../errors';
import { formatBytes } from '../../format/bytes';
import { listSnapshots, resolveSnapshotId, type SnapshotRef } from '../../store/snapshots';
import { commandLogger, progressTicker } from '../command-log';
import { type CommandOutcome, action } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettings } from '../settings';

interface VerifyFlags extends SettingsOptionValues {
  all?: boolean;
  sample?: string;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  const command = program
    .command('verify')
    .argument('[id]', 'the snapshot to verify (an id or "latest"; default: latest)')
    .description('re-hash snapshot files against the manifest; report missing, extra and damaged files')
    .option('--all', 'verify every snapshot')
    .option('--sample <percent>', 're-hash only this percentage of files, chosen at random (1-100)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Every path in the manifest must be in the snapshot with the right type and size; the files chosen
(all, or a random --sample) are read back and their SHA-256 compared. Anything in the snapshot folder
that the manifest does not list is reported as extra. The result is saved in DEST/meta/<ID>/verify.json
(shown by "list").
Exit codes: 0 all good, 3 damage found, 2 bad arguments.`,
    );
  addSettingsOptions(command, { stateDir: true });
  command.action(action(async (id: string | undefined, flags: VerifyFlags) => verifyCommand(id, flags)));
}

export function parseSamplePercent(value: string | undefined): number {
  if (value === undefined) return 100;
  const percent = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(percent) || percent <= 0 || percent > 100) {
    throw new UsageError(`--sample ${value}: expected a percentage above 0 and at most 100`);
  }
  return percent;
}

export async function verifyCommand(id: string | undefined, flags: VerifyFlags): Promise<CommandOutcome> {
  if (flags.all && id !== undefined) throw new UsageError('give a snapshot id or --all, not both');
  const samplePercent = parseSamplePercent(flags.sample);
  const settings = await resolveStoreSettings(flags);
  const dest = settings.destination;
  const snapshots: SnapshotRef[] = flags.all
    ? await listSnapshots(dest)
    : [await resolveSnapshotId(dest, id ?? 'latest')];
  if (snapshots.length === 0) throw new UsageError(`there are no complete snapshots in ${dest}`, 'run a backup first');
  // Problems are listed in the summary; the console shows only errors, the log file everything.
  const logger = commandLogger(settings, 'verify', 'error', flags);
  const results: VerifyResult[] = [];
  for (const snapshot of snapshots) {
    const tick = progressTicker(`verifying ${snapshot.id}`, { json: Boolean(flags.json) });
    results.push(
      await verifySnapshot(snapshot, {
        samplePercent,
        logger,
        onProgress: (p) => tick({ files: p.filesChecked, bytes: p.bytesChecked }),
      }),
    );
  }

  const damaged = results.filter((r) => !r.record.ok);
  const lines: string[] = [];
  for (const { record, problems, bytesChecked, warnings } of results) {
    const scope = record.samplePercent < 100 ? ` (sample of ${record.samplePercent}%)` : '';
    if (record.ok) {
      lines.push(
        `${record.snapshotId}: OK, ${record.filesChecked} files re-hashed (${formatBytes(bytesChecked)})${scope}`,
      );
      for (const w of warnings) lines.push(`  warning: ${w}`);
      continue;
    }
    lines.push(
      `${record.snapshotId}: DAMAGED${scope}: ${record.missing.length} missing, ${record.extra.length} extra, ${record.damaged.length} damaged`,
    );
    for (const p of problems.slice(0, 50)) lines.push(`  ${p.kind.padEnd(7)} ${p.path}: ${p.detail}`);
    if (problems.length > 50)
      lines.push(`  … and ${problems.length - 50} more (see meta/${record.snapshotId}/verify.json)`);
    for (const w of warnings) lines.push(`  warning: ${w}`);
  }
  if (damaged.length > 0) {
    lines.push(
      '',
      'Damage found. Older snapshots may still be intact ("avimark-backup verify --all"); run a new backup soon.',
    );
  }
  return {
    exitCode: damaged.length > 0 ? ExitCode.Damage : ExitCode.Success,
    text: lines.join('\n'),
    json: {
      ok: damaged.length === 0,
      snapshots: results.map((r) => ({
        ...r.record,
        bytesChecked: r.bytesChecked,
        problems: r.problems,
        warnings: r.warnings,
      })),
    },
  };
}
