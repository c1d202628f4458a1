import path from 'node:path';
import type { Command } from 'commander';
import type { StoreSettings } from '../../config/load';
import { initOffsite } from '../../offsite/init';
import { listOurSnapshots, toEntry } from '../../offsite/list';
import { pushSnapshot } from '../../offsite/push';
import { openRestic } from '../../offsite/restic';
import { restoreOffsite } from '../../offsite/restore';
import { applyOffsiteRetention } from '../../offsite/retention';
import { offsiteHost, pushSourceFor, requireOffsite } from '../../offsite/source';
import { offsiteStatus, readOffsiteState } from '../../offsite/status';
import { verifyOffsite } from '../../offsite/verify';
import { listSnapshots } from '../../store/snapshots';
import { AppError, RunFailedError, UsageError } from '../../errors';
import { commandLogger, progressTicker } from '../command-log';
import { bytesAddedWords } from '../offsite-summary';
import { resticProgress } from '../progress';
import { type CommandOutcome, action, ok } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettings } from '../settings';
import { formatBytes } from '../../format/bytes';

interface OffsiteFlags extends SettingsOptionValues {
  json?: boolean;
  to?: string;
}

const MINUTE_MS = 60_000;

export function registerOffsite(program: Command): void {
  const offsite = program
    .command('offsite')
    .description('offsite copies of committed snapshots through restic (S3, B2, Azure, SFTP, REST server)')
    .addHelpText(
      'after',
      `
Needs the "offsite" section of the configuration and restic installed (docs/offsite.md). The password
and backend keys come from files (offsite.passwordFile, offsite.environmentFile) and reach restic through
its environment only: never a command line, a log or --json output.
Exit codes: 0 done, 1 failed (repository unreachable, time limit, refused), 2 bad configuration or wrong
password, 3 the check found damage.`,
    );
  const sub = (name: string, description: string) => {
    const command = offsite.command(name).description(description).option('--json', 'print the result as JSON');
    addSettingsOptions(command, { stateDir: true });
    return command;
  };
  sub('init', 'create the restic repository (or prove the password opens an existing one)').action(
    action(async (flags: OffsiteFlags) => initCommand(flags)),
  );
  sub('push', 'copy a committed snapshot offsite (default: latest), then apply offsite.retention')
    .argument('[id]', 'the snapshot to push (an id from "list", or "latest")')
    .action(action(async (id: string | undefined, flags: OffsiteFlags) => pushCommand(id ?? 'latest', flags)));
  sub('list', 'offsite copies: our snapshot IDs and restic snapshot ids, the newest copy and the last check').action(
    action(async (flags: OffsiteFlags) => listCommand(flags)),
  );
  sub('verify', 'restic check, reading the next 1/scrubDays slice of the data').action(
    action(async (flags: OffsiteFlags) => verifyCommand(flags)),
  );
  sub('restore', 'restore an offsite copy into an empty folder (for the day the server is gone)')
    .argument('<id>', 'our snapshot ID, "latest", or a restic snapshot id')
    .option('--to <dir>', 'the folder to restore into (new or empty)')
    .action(action(async (id: string, flags: OffsiteFlags) => restoreCommand(id, flags)));
}

async function open(flags: OffsiteFlags, runName: string) {
  const settings = await resolveStoreSettings(flags);
  const offsite = requireOffsite(settings.offsite);
  const log = commandLogger(settings, runName, 'warn', flags);
  const restic = await openRestic(offsite, settings.stateDir);
  return { settings, offsite, log, restic };
}

async function initCommand(flags: OffsiteFlags): Promise<CommandOutcome> {
  const { restic, log } = await open(flags, 'offsite-init');
  const result = await initOffsite(restic, log);
  const text = result.created
    ? `Created the offsite repository ${restic.repositoryLabel}. Keep a copy of the password file somewhere safe, away from this server: without it the copies cannot be read.`
    : `The offsite repository ${restic.repositoryLabel} already exists and the password opens it.`;
  return ok(text, { ok: true, repository: restic.repositoryLabel, ...result });
}

async function pushCommand(id: string, flags: OffsiteFlags): Promise<CommandOutcome> {
  const { settings, offsite, log, restic } = await open(flags, 'offsite-push');
  const source = await pushSourceFor(settings.destination, id, settings.source);
  const host = offsiteHost();
  const deadline = Date.now() + offsite.timeLimitMinutes * MINUTE_MS;
  const tick = progressTicker(`offsite push ${source.snapshotId}`, { json: Boolean(flags.json) });
  const push = await pushSnapshot(restic, source, {
    host,
    stateDir: settings.stateDir,
    timeoutMs: deadline - Date.now(),
    log,
    onProgress: (s) => tick(resticProgress(s)),
  });
  const pushed = push.uploaded
    ? `Pushed ${push.snapshotId} offsite as ${push.resticSnapshotId.slice(0, 8)} in ${push.durationSeconds} s: ${bytesAddedWords(push.bytesAdded, push.bytesStored)}; ${formatBytes(push.bytesProcessed)} read (${push.filesNew} new, ${push.filesChanged} changed, ${push.filesUnmodified} unchanged files).`
    : `${push.snapshotId} is already offsite (${push.resticSnapshotId.slice(0, 8)}); nothing uploaded.`;
  let retention: Awaited<ReturnType<typeof applyOffsiteRetention>>;
  try {
    retention = await applyOffsiteRetention(restic, offsite.retention, {
      host,
      timeoutMs: Math.max(MINUTE_MS, deadline - Date.now()),
      log,
    });
  } catch (err) {
    // The copy itself is made: say so, then what went wrong with the old ones.
    if (err instanceof AppError) throw new RunFailedError(`${pushed} But ${err.message}`, err.hint);
    throw err;
  }
  const kept = retention.mode === 'forget' ? ` Retention removed ${retention.removed} old offsite copies.` : '';
  return ok(`${pushed}${kept}`, { ok: true, ...push, retention });
}

async function listCommand(flags: OffsiteFlags): Promise<CommandOutcome> {
  const { settings, offsite, restic } = await open(flags, 'offsite-list');
  const entries = (await listOurSnapshots(restic)).map(toEntry);
  const local = new Set((await listSnapshots(settings.destination)).map((s) => s.id));
  const status = offsiteStatus(await readOffsiteState(settings.stateDir), offsite.maxAgeDays, new Date());
  const rows = entries.map(
    (e) =>
      `${(e.snapshotId ?? '(not ours)').padEnd(22)} ${e.resticShortId}  ${e.time.slice(0, 19).replace('T', ' ')}  ${e.host}${e.snapshotId && local.has(e.snapshotId) ? '' : '  (not in the local store)'}`,
  );
  const lines = [
    `Offsite copies in ${restic.repositoryLabel}: ${entries.length}`,
    ...(rows.length ? ['snapshot ID            restic    time (UTC)           host', ...rows] : []),
    status.newestCopy
      ? `Newest offsite copy: ${status.newestCopy.snapshotId}, ${status.newestCopy.ageDays} day(s) old.`
      : 'No offsite copy recorded on this server yet.',
    status.lastCheck
      ? `Last check: ${status.lastCheck.ok ? 'passed' : 'FAILED'} (${status.lastCheck.subset}), ${status.lastCheck.ageDays} day(s) ago.`
      : 'No offsite check yet ("avimark-backup offsite verify").',
    ...(status.alert ? [`ALERT: ${status.alert}`] : []),
  ];
  return ok(lines.join('\n'), {
    repository: restic.repositoryLabel,
    status,
    snapshots: entries.map((e) => ({ ...e, local: e.snapshotId !== null && local.has(e.snapshotId) })),
  });
}

async function verifyCommand(flags: OffsiteFlags): Promise<CommandOutcome> {
  const { settings, offsite, log, restic } = await open(flags, 'offsite-verify');
  const state = await readOffsiteState(settings.stateDir);
  const result = await verifyOffsite(restic, {
    stateDir: settings.stateDir,
    scrubDays: offsite.scrubDays,
    slice: state.nextScrubSlice,
    timeoutMs: offsite.timeLimitMinutes * MINUTE_MS,
    log,
  });
  return ok(
    `Offsite check passed: structure and ${result.subset === 'all' ? 'all' : result.subset} of the data read back in ${result.durationSeconds} s (next: slice ${result.nextSlice}).`,
    result,
  );
}

async function restoreCommand(id: string, flags: OffsiteFlags): Promise<CommandOutcome> {
  if (!flags.to) throw new UsageError('offsite restore needs --to DIR (a new or empty folder)');
  const { settings, offsite, log, restic } = await open(flags, 'offsite-restore');
  const target = path.resolve(flags.to);
  const result = await restoreOffsite(restic, id, target, {
    liveSources: liveSourcesOf(settings),
    dest: settings.destination,
    timeoutMs: Math.max(offsite.timeLimitMinutes, 24 * 60) * MINUTE_MS,
    log,
  });
  return ok(
    `Restored offsite copy ${result.snapshotId ?? result.resticSnapshotId.slice(0, 8)} into ${result.target}: ${result.files} files (${formatBytes(result.bytes)}), read back and verified by restic, in ${result.durationSeconds} s.`,
    { ok: true, ...result },
  );
}

function liveSourcesOf(settings: StoreSettings): string[] {
  return settings.source && path.isAbsolute(settings.source) ? [settings.source] : [];
}
