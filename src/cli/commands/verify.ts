import type { Command } from 'commander';
import { verifySnapshot, type VerifyResult } from '../../engine/verify';
import { ExitCode, UsageError } from '../../errors';
import { formatBytes } from '../../format/bytes';
import { snapshotBytesTotal } from '../../store/run-record';
import { listSnapshots, resolveSnapshotId, type SnapshotRef } from '../../store/snapshots';
import { commandLogger, progressTicker } from '../command-log';
import { addExitCodes } from '../help';
import { type CommandOutcome, action } from '../outcome';
import { type RepairSummary, repairDamage } from './verify-repair';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettingsWithStore } from '../settings';

interface VerifyFlags extends SettingsOptionValues {
  all?: boolean;
  sample?: string;
  json?: boolean;
  repair?: boolean;
}

export function registerVerify(program: Command): void {
  const command = program
    .command('verify')
    .argument('[id]', 'the snapshot to verify (an id or "latest"; default: latest)')
    .description('re-hash snapshot files against the manifest; report missing, extra and damaged files')
    .option('--all', 'verify every snapshot')
    .option('--sample <percent>', 're-hash only this percentage of files, chosen at random (1-100)')
    .option('--repair', 'heal damaged files from the live source or an intact copy in another snapshot')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Every path in the manifest must be in the snapshot with the right type and size; the files chosen
(all, or a random --sample) are read back and their SHA-256 compared. Anything in the snapshot folder
that the manifest does not list is reported as extra. The result is saved in DEST/meta/<ID>/verify.json
(shown by "list"); when it cannot be saved (a read-only store) the verdict is still printed, with a warning.
Damaged files are recorded so that later backups copy them fresh instead of linking them.
With --repair, each damaged file is replaced, in every snapshot sharing it, by a fresh copy of the live
source (--source or the config's "source") when its SHA-256 still equals the manifest's, or of an
intact copy in another snapshot; snapshots stay read-only. Exit 0 when everything was healed.`,
    );
  addExitCodes(command, {
    0: 'all good',
    1: 'the snapshot could not be read',
    2: 'bad arguments, or the destination is not available',
    3: 'damage found (with --repair: damage that could not be healed)',
  });
  addSettingsOptions(command, { stateDir: true, source: true });
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
  const settings = await resolveStoreSettingsWithStore(flags);
  const dest = settings.destination;
  const snapshots: SnapshotRef[] = flags.all
    ? await listSnapshots(dest)
    : [await resolveSnapshotId(dest, id ?? 'latest')];
  if (snapshots.length === 0) throw new UsageError(`there are no complete snapshots in ${dest}`, 'run a backup first');
  // Problems are listed in the summary; the console shows only errors, the log file everything.
  const logger = commandLogger(settings, 'verify', 'error', flags);
  const results: VerifyResult[] = [];
  for (const snapshot of snapshots) {
    // Sampling hashes about that share of the bytes: the total (and so the ETA) is scaled the same way.
    const snapshotBytes = await snapshotBytesTotal(dest, snapshot.id);
    const totalBytes = snapshotBytes === null ? null : Math.round((snapshotBytes * samplePercent) / 100);
    const tick = progressTicker(`verifying ${snapshot.id}`, { json: Boolean(flags.json), totalBytes });
    results.push(
      await verifySnapshot(snapshot, {
        samplePercent,
        logger,
        dest,
        onProgress: (p) => tick({ files: p.filesChecked, bytes: p.bytesChecked }),
      }),
    );
  }

  const repair = flags.repair ? await repairDamage(dest, settings.source, results) : null;
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
  if (repair) lines.push(...repairLines(repair));
  if (damaged.length > 0 && !repair) {
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
      ...(repair ? { repair } : {}),
      snapshots: results.map((r) => ({
        ...r.record,
        bytesChecked: r.bytesChecked,
        problems: r.problems,
        warnings: r.warnings,
      })),
    },
  };
}

function repairLines(repair: RepairSummary): string[] {
  const lines: string[] = [];
  if (repair.healed.length === 0 && repair.unrecoverable.length === 0) return lines;
  lines.push('');
  for (const h of repair.healed) lines.push(`healed        ${h.snapshotId} ${h.path} (from ${h.from})`);
  for (const u of repair.unrecoverable) lines.push(`UNRECOVERABLE ${u.snapshotId} ${u.path}: ${u.reason}`);
  lines.push(
    repair.unrecoverable.length === 0
      ? `Repaired: ${repair.healed.length} file(s) healed; every snapshot is intact again.`
      : `${repair.unrecoverable.length} file(s) could not be healed (no good copy left); ${repair.healed.length} healed. Run a new backup soon.`,
  );
  return lines;
}
