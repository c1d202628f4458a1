import type { Command } from 'commander';
import type { StoreSettings } from '../../config/load';
import { isDestinationAvailable } from '../../engine/paths';
import { formatDuration } from '../../format/duration';
import { type LastRun, readLastRun } from '../../state/last-run';
import {
  type Journal,
  type JournalEntry,
  entriesStillLocked,
  readJournal,
  readLastJournal,
} from '../../lockout/journal';
import { journalOwnerAlive } from '../../lockout/recover';
import { manualUndo, stillLockedSentence } from '../../lockout/manual';
import { stepLabel } from '../../lockout/steps';
import { readVerifyRecord } from '../../engine/verify';
import { listSnapshots } from '../../store/snapshots';
import { loadHistory } from '../../report/history';
import { scrubText } from '../../report/history-text';
import type { StoreHistory } from '../../report/model';
import { statusSentence } from '../../report/status-sentence';
import { localTime } from '../local-time';
import { addExitCodes } from '../help';
import { offsiteStateFor, offsiteStatusLines } from '../offsite-summary';
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
"avimark-backup recover").`,
    );
  addExitCodes(command, {
    0: 'the status could be read (even when it reports a problem, e.g. the destination not available)',
    1: 'the state folder could not be read',
    2: 'usage or configuration error',
  });
  addSettingsOptions(command, { stateDir: true });
  command.action(action(async (flags: StatusFlags) => statusCommand(flags)));
}

/** One run as `status` lists it: backups (with or without lockout, from the store) and the state folder's last run. */
export interface StatusRun {
  command: string;
  result: string;
  startedAt: string;
  endedAt: string | null;
  mode: string | null;
  snapshotId: string | null;
  offlineSeconds: number | null;
}

const RECENT_RUNS = 5;

/** Every run known, newest first: the store's run records (every backup, --no-lockout included) and last-run.json. */
export function recentRuns(history: StoreHistory | null, lastRun: LastRun | null, limit = RECENT_RUNS): StatusRun[] {
  const runs: StatusRun[] = (history?.runs ?? []).map((r) => ({
    command: r.mode === 'no-lockout' ? 'backup --no-lockout' : 'backup',
    result: r.result,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    mode: r.mode,
    snapshotId: r.snapshotId || null,
    offlineSeconds: r.offlineSeconds,
  }));
  const known = (r: StatusRun) =>
    r.startedAt === lastRun?.startedAt || (lastRun?.snapshotId != null && r.snapshotId === lastRun.snapshotId);
  if (lastRun && !runs.some(known)) {
    runs.push({
      command: lastRun.command,
      result: lastRun.result,
      startedAt: lastRun.startedAt,
      endedAt: lastRun.endedAt,
      mode: lastRun.mode,
      snapshotId: lastRun.snapshotId,
      offlineSeconds: lastRun.offlineSeconds,
    });
  }
  const time = (r: StatusRun) => Date.parse(r.startedAt) || 0;
  return runs.sort((a, b) => time(b) - time(a)).slice(0, limit);
}

function runLine(r: StatusRun): string {
  const seconds = r.endedAt ? (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000 : Number.NaN;
  return [
    `  ${localTime(r.startedAt)}  ${r.command}${r.mode && r.mode !== 'no-lockout' ? ` (${r.mode})` : ''}: ${r.result}`,
    Number.isFinite(seconds) ? `, ${formatDuration(Math.max(0, seconds))}` : '',
    r.offlineSeconds !== null ? `, AVImark offline ${r.offlineSeconds.toFixed(1)} s` : '',
    r.snapshotId ? `, snapshot ${r.snapshotId}` : '',
  ].join('');
}

function lockoutLines(journal: Journal | null, locked: JournalEntry[], ownerAlive: boolean): string[] {
  const lines: string[] = [];
  if (locked.length === 0) return ['AVImark is not locked out by avimark-backup.'];
  if (ownerAlive) {
    lines.push(
      `AVImark is locked out by a running ${journal?.purpose} (pid ${journal?.owner.pid}, since ${localTime(journal?.owner.startedAt ?? '')}):`,
    );
  } else {
    lines.push(
      `AVImark is STILL LOCKED OUT by a run that ended without giving it back (pid ${journal?.owner.pid}, started ${localTime(journal?.owner.startedAt ?? '')}).`,
    );
    lines.push('Run "avimark-backup recover" to give it back. Still in place:');
  }
  for (const e of locked) lines.push(`  - ${stillLockedSentence(e.step)} [${e.state}]`);
  if (!ownerAlive) {
    lines.push('To fix by hand instead (elevated PowerShell):');
    for (const e of locked) for (const c of manualUndo(e.step)) lines.push(`    ${c}`);
  }
  return lines;
}

/** What the store says, or why it cannot say anything (the disk or share is not there). */
async function storeView(settings: StoreSettings) {
  const available = await isDestinationAvailable(settings.destination).catch(() => false);
  if (!available) {
    return {
      available,
      history: null,
      sentence: `The destination ${settings.destination} is not available — is the backup disk connected?`,
      newest: null,
      verified: null,
    };
  }
  const history = await loadHistory(settings.destination, { stateDir: settings.stateDir }).catch(() => null);
  const sentence = history ? statusSentence(history, { now: new Date() }) : null;
  const newest = (await listSnapshots(settings.destination).catch(() => [])).at(-1) ?? null;
  const verified = newest ? await readVerifyRecord(newest).catch(() => null) : null;
  return { available, history, sentence, newest, verified };
}

export async function statusCommand(flags: StatusFlags): Promise<CommandOutcome> {
  const settings = await resolveStoreSettings(flags);
  const journal = await readJournal(settings.stateDir);
  const locked = journal ? entriesStillLocked(journal) : [];
  const ownerAlive = journal !== null && journalOwnerAlive(journal);
  const lastRun = await readLastRun(settings.stateDir);
  const lastLockout = await readLastJournal(settings.stateDir);
  const state: 'free' | 'locked-by-running-backup' | 'locked-left-behind' =
    locked.length === 0 ? 'free' : ownerAlive ? 'locked-by-running-backup' : 'locked-left-behind';
  const store = await storeView(settings);
  const runs = recentRuns(store.history, lastRun);
  const lines = [...(store.sentence ? [store.sentence] : []), ...lockoutLines(journal, locked, ownerAlive)];
  if (runs.length > 0) lines.push('Recent runs (local time):', ...runs.map(runLine));
  else lines.push('Last run: none recorded.');
  if (lastRun?.message && lastRun.startedAt === runs[0]?.startedAt) {
    lines.push(`  ${lastRun.message.split('\n').join('\n  ')}`);
  }
  const { newest, verified } = store;
  if (store.available) {
    lines.push(
      newest
        ? `Newest snapshot: ${newest.id}, ${verified ? `last verified ${localTime(verified.verifiedAt)}: ${verified.ok ? 'OK' : 'DAMAGED'}` : 'not verified yet'}`
        : `Newest snapshot: none in ${settings.destination}`,
    );
    if (verified?.scrub) lines.push(`Rolling scrub: ${scrubText(verified.scrub)}`);
  }
  const offsite = await offsiteStateFor(settings, new Date());
  lines.push(...offsiteStatusLines(offsite));
  if (lastLockout) {
    lines.push(
      `Last lockout (${localTime(lastLockout.owner.startedAt)}): ${lastLockout.entries.map((e) => `${stepLabel(e.step)} ${e.seconds?.toFixed(2) ?? '?'} s`).join('; ')}`,
    );
  }
  const json = {
    state,
    statusSentence: store.sentence,
    destinationAvailable: store.available,
    locked: locked.map((e) => ({
      step: stepLabel(e.step),
      state: e.state,
      stillLocked: stillLockedSentence(e.step),
      manualFix: manualUndo(e.step),
    })),
    owner: journal?.owner ?? null,
    ownerAlive,
    lastRun,
    runs,
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
    offsite,
  };
  return ok(lines.join('\n'), json);
}
