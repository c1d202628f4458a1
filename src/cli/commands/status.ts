import type { Command } from 'commander';
import { readLastRun } from '../../state/last-run';
import { entriesStillLocked, readJournal, readLastJournal } from '../../lockout/journal';
import { journalOwnerAlive } from '../../lockout/recover';
import { manualUndo, stillLockedSentence } from '../../lockout/manual';
import { stepLabel } from '../../lockout/steps';
import { readVerifyRecord } from '../../engine/verify';
import { listSnapshots } from '../../store/snapshots';
import { loadStatusSentence } from '../../report/history';
import { type CommandOutcome, action, ok } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettings } from '../settings';

interface StatusFlags extends SettingsOptionValues {
  json?: boolean;
}

export function registerStatus(program: Command): void {
  const command = program
    .command('status')
    .description('is AVImark locked out right now, and how did the last run end')
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      `
Reads the state folder (the lockout journal, the last run's result) and the store's newest snapshot;
changes nothing. "state" is free, locked-by-running-backup, or locked-left-behind (then run
"avimark-backup recover"). Exit code 0 whenever the status could be read.`,
    );
  addSettingsOptions(command, { stateDir: true });
  command.action(action(async (flags: StatusFlags) => statusCommand(flags)));
}

export async function statusCommand(flags: StatusFlags): Promise<CommandOutcome> {
  const settings = await resolveStoreSettings(flags);
  const journal = await readJournal(settings.stateDir);
  const locked = journal ? entriesStillLocked(journal) : [];
  const ownerAlive = journal !== null && journalOwnerAlive(journal);
  const lastRun = await readLastRun(settings.stateDir);
  const lastLockout = await readLastJournal(settings.stateDir);
  const lines: string[] = [];
  let state: 'free' | 'locked-by-running-backup' | 'locked-left-behind';
  if (locked.length === 0) {
    state = 'free';
    lines.push('AVImark is not locked out by avimark-backup.');
  } else if (ownerAlive) {
    state = 'locked-by-running-backup';
    lines.push(
      `AVImark is locked out by a running ${journal?.purpose} (pid ${journal?.owner.pid}, since ${journal?.owner.startedAt}):`,
    );
  } else {
    state = 'locked-left-behind';
    lines.push(
      `AVImark is STILL LOCKED OUT by a run that ended without giving it back (pid ${journal?.owner.pid}, started ${journal?.owner.startedAt}).`,
    );
    lines.push('Run "avimark-backup recover" to give it back. Still in place:');
  }
  for (const e of locked) lines.push(`  - ${stillLockedSentence(e.step)} [${e.state}]`);
  if (state === 'locked-left-behind') {
    lines.push('To fix by hand instead (elevated PowerShell):');
    for (const e of locked) for (const c of manualUndo(e.step)) lines.push(`    ${c}`);
  }
  if (lastRun) {
    lines.push(
      `Last run: ${lastRun.command} ${lastRun.result} (exit ${lastRun.exitCode}), ${lastRun.startedAt} → ${lastRun.endedAt}` +
        `${lastRun.mode ? `, mode ${lastRun.mode}` : ''}${lastRun.offlineSeconds !== null ? `, AVImark offline ${lastRun.offlineSeconds.toFixed(1)} s` : ''}`,
    );
    if (lastRun.message) lines.push(`  ${lastRun.message.split('\n').join('\n  ')}`);
  } else {
    lines.push('Last run: none recorded in this state folder.');
  }
  const sentence = await loadStatusSentence(settings.destination, settings.stateDir).catch(() => null);
  if (sentence) lines.unshift(sentence);
  const newest = (await listSnapshots(settings.destination).catch(() => [])).at(-1) ?? null;
  const verified = newest ? await readVerifyRecord(newest).catch(() => null) : null;
  lines.push(
    newest
      ? `Newest snapshot: ${newest.id}, ${verified ? `last verified ${verified.verifiedAt}: ${verified.ok ? 'OK' : 'DAMAGED'}` : 'not verified yet'}`
      : `Newest snapshot: none in ${settings.destination}`,
  );
  if (lastLockout) {
    lines.push(
      `Last lockout (${lastLockout.owner.startedAt}): ${lastLockout.entries.map((e) => `${stepLabel(e.step)} ${e.seconds?.toFixed(2) ?? '?'} s`).join('; ')}`,
    );
  }
  const json = {
    state,
    statusSentence: sentence,
    locked: locked.map((e) => ({
      step: stepLabel(e.step),
      state: e.state,
      stillLocked: stillLockedSentence(e.step),
      manualFix: manualUndo(e.step),
    })),
    owner: journal?.owner ?? null,
    ownerAlive,
    lastRun,
    lastLockout: lastLockout
      ? {
          startedAt: lastLockout.owner.startedAt,
          steps: lastLockout.entries.map((e) => ({ step: stepLabel(e.step), seconds: e.seconds, state: e.state })),
        }
      : null,
    stateDir: settings.stateDir,
    destination: settings.destination,
    newestSnapshot: newest
      ? { id: newest.id, verification: verified ? { verifiedAt: verified.verifiedAt, ok: verified.ok } : null }
      : null,
  };
  return ok(lines.join('\n'), json);
}
