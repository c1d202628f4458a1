import type { Command } from 'commander';
import { localFs } from '../../fs/local';
import { acquireStoreLock } from '../../store/lock';
import { isMarkedSuspect, resolveSnapshotId } from '../../store/snapshots';
import { acceptSuspect, nothingToAccept } from '../../store/suspect';
import { commandLogger } from '../command-log';
import { addExitCodes } from '../help';
import { type CommandOutcome, action, ok } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettingsWithStore } from '../settings';

interface AcceptFlags extends SettingsOptionValues {
  json?: boolean;
}

export function registerAccept(program: Command): void {
  const command = program
    .command('accept')
    .argument('<id>', 'the snapshot marked suspect (see "list")')
    .description('trust a snapshot the ransomware guard marked suspect: "latest" may move to it and pruning resumes')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
A backup that looked like ransomware at work (files rewritten with the same size, content that no
longer compresses, ransomware extensions or notes) is kept but marked suspect: "latest" stays on the
previous snapshot and nothing is pruned. Check the AVImark folder first (does AVImark open? are the
files readable?). If all is well, accept the snapshot; if not, delete it with "prune --id ID" and
restore from an earlier snapshot.`,
    );
  addExitCodes(command, {
    0: 'accepted',
    1: 'the store could not be changed',
    2: 'no such snapshot, or it is not marked suspect',
  });
  addSettingsOptions(command, { stateDir: true });
  command.action(action(async (id: string, flags: AcceptFlags) => acceptCommand(id, flags)));
}

export async function acceptCommand(id: string, flags: AcceptFlags): Promise<CommandOutcome> {
  const settings = await resolveStoreSettingsWithStore(flags);
  const dest = settings.destination;
  // Refused before the log or the lock touch anything: an unknown id, or one that is not marked.
  const ref = await resolveSnapshotId(dest, id);
  if (!(await isMarkedSuspect(localFs, dest, ref.id))) throw nothingToAccept(ref.id);
  const log = commandLogger(settings, 'accept', 'warn', flags);
  const lock = await acquireStoreLock(dest, { purpose: 'accept' });
  try {
    const { latest, stillSuspect } = await acceptSuspect(dest, ref.id, { log });
    log.info({ snapshot: ref.id, latest }, `snapshot ${ref.id} accepted`);
    const lines = [
      `accepted snapshot ${ref.id}: it is no longer marked suspect.`,
      latest ? `"latest" points at ${latest}.` : '',
      stillSuspect.length > 0
        ? `pruning stays held: still marked suspect: ${stillSuspect.join(', ')}.`
        : 'pruning resumes with the next prune.',
    ].filter((l) => l !== '');
    return ok(lines.join('\n'), { accepted: ref.id, latest, stillSuspect });
  } finally {
    await lock.release();
  }
}
