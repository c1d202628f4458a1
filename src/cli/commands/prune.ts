import type { Command } from 'commander';
import { acquireStoreLock } from '../../store/lock';
import { deleteSuspectSnapshot, pruneSnapshots } from '../../store/prune';
import { describeReasons } from '../../store/retention';
import { resolveSnapshotId } from '../../store/snapshots';
import { commandLogger } from '../command-log';
import { addExitCodes } from '../help';
import { type CommandOutcome, action, ok } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettingsWithStore } from '../settings';

interface PruneFlags extends SettingsOptionValues {
  dryRun?: boolean;
  json?: boolean;
  /** `--id ID`: delete this one snapshot marked suspect (instead of applying the retention policy). */
  id?: string;
}

export function registerPrune(program: Command): void {
  const command = program
    .command('prune')
    .description('delete the snapshots the retention policy no longer keeps (keep-last/daily/weekly/monthly)')
    .option('--dry-run', 'show what would be kept and removed; change nothing')
    .option('--json', 'print the decision as JSON')
    .option('--id <id>', 'delete this snapshot, which the ransomware guard marked suspect (nothing else)')
    .addHelpText(
      'after',
      `
The policy is the "retention" section of the config (with --dest only: the defaults, keepLast 7,
keepDaily 14, keepWeekly 8, keepMonthly 12). Days, weeks (ISO, Monday first) and months are those of
the snapshot ids (server local time). The newest snapshot is never removed; a policy of all zeros
removes nothing. Files shared with kept snapshots (hard links) stay intact and read-only.
While a snapshot is marked suspect (possible ransomware, see "list"), pruning is held (exit 5): check the
AVImark folder, then "avimark-backup accept ID", or delete that snapshot with "prune --id ID".`,
    );
  addExitCodes(command, {
    0: 'done (or nothing to remove)',
    1: 'the store could not be changed',
    2: 'usage or configuration error, or the destination is not available',
    5: 'pruning is held: a snapshot is marked suspect ("avimark-backup accept ID" or "prune --id ID")',
  });
  addSettingsOptions(command, { stateDir: true });
  command.action(action(async (flags: PruneFlags) => pruneCommand(flags)));
}

export async function pruneCommand(flags: PruneFlags): Promise<CommandOutcome> {
  const settings = await resolveStoreSettingsWithStore(flags);
  const dest = settings.destination;
  const dryRun = flags.dryRun ?? false;
  // An unknown id is refused before the log or the lock touch anything.
  if (flags.id !== undefined) await resolveSnapshotId(dest, flags.id);
  const logger = dryRun ? undefined : commandLogger(settings, 'prune', 'warn', flags);
  const lock = dryRun ? null : await acquireStoreLock(dest, { purpose: 'prune' });
  try {
    if (flags.id !== undefined) {
      const { removed, latest } = await deleteSuspectSnapshot(dest, flags.id, { dryRun, logger });
      const text = dryRun
        ? `would remove the suspect snapshot ${removed} (dry run: nothing changed).`
        : `removed the suspect snapshot ${removed}${latest ? `; "latest" is ${latest}` : ''}.`;
      return ok(text, { dryRun, keep: [], remove: [removed], leftovers: [], failedRunRecords: [], latest });
    }
    const result = await pruneSnapshots(dest, settings.retention, { dryRun, logger });
    const verb = dryRun ? 'would remove' : 'removed';
    const lines = [
      ...result.keep.map((d) => `keep    ${d.id}  (${describeReasons(d.reasons)})`),
      ...result.remove.map((d) => `${dryRun ? 'remove' : 'removed'} ${d.id}`),
      ...(result.leftovers.length
        ? [
            `${dryRun ? 'would finish' : 'finished'} removing ${result.leftovers.length} snapshot(s) an interrupted prune left: ${result.leftovers.join(', ')}`,
          ]
        : []),
      ...(result.failedRunRecords.length
        ? [
            `${dryRun ? 'would remove' : 'removed'} the records of ${result.failedRunRecords.length} failed run(s) older than every kept snapshot: ${result.failedRunRecords.join(', ')}`,
          ]
        : []),
      `${result.keep.length} kept, ${result.remove.length} ${verb}${dryRun ? ' (dry run: nothing changed)' : ''}.`,
    ];
    return ok(lines.join('\n'), {
      dryRun,
      keep: result.keep.map(({ id, reasons }) => ({ id, reasons })),
      remove: result.remove.map(({ id }) => id),
      leftovers: result.leftovers,
      failedRunRecords: result.failedRunRecords,
    });
  } finally {
    await lock?.release();
  }
}
