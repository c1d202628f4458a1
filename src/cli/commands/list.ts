import path from 'node:path';
import type { Command } from 'commander';
import { readVerifyRecord } from '../../engine/verify';
import { errnoCode } from '../../errors';
import type { FileSystem } from '../../fs/types';
import { localFs } from '../../fs/local';
import { openManifest, readManifestHeader } from '../../store/manifest';
import { readSuspectMark } from '../../store/suspect';
import { readRunRecord } from '../../store/run-record';
import { type SnapshotRef, listSnapshots } from '../../store/snapshots';
import type { DrillRecord, VerifyRecord } from '../../store/types';
import { addExitCodes } from '../help';
import { localTime } from '../local-time';
import { type CommandOutcome, action, ok } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettingsWithStore } from '../settings';
import { formatBytes } from '../../format/bytes';
import { offsiteStateFor, offsiteStatusLines } from '../offsite-summary';
import { plural } from '../../format/number';

interface ListFlags extends SettingsOptionValues {
  json?: boolean;
}

export interface SnapshotSummary {
  id: string;
  /** Local time of the snapshot as written in its id, ISO-like without zone: 2026-11-26T02:00:00. */
  time: string;
  files: number;
  bytes: number;
  verification: { state: 'ok' | 'damaged' | 'never'; at: string | null; samplePercent: number | null };
  drill: { state: 'passed' | 'failed' | 'never'; at: string | null };
  /** The source folder the snapshot was made of (one source per store; null when unreadable). */
  source: string | null;
  /** Set while the ransomware guard's mark is on it: `latest` skips it and pruning is held ("accept ID"). */
  suspect: { reasons: string[] } | null;
}

export function registerList(program: Command): void {
  const command = program
    .command('list')
    .description('list the complete snapshots: time, files, size, last verification and restore drill')
    .option('--json', 'print the list as JSON');
  addExitCodes(command, {
    0: 'listed (also when there is no snapshot yet)',
    1: 'the store could not be read',
    2: 'usage or configuration error, or the destination is not available',
  });
  addSettingsOptions(command);
  command.action(action(async (flags: ListFlags) => listCommand(flags)));
}

export async function listCommand(flags: ListFlags): Promise<CommandOutcome> {
  const settings = await resolveStoreSettingsWithStore(flags);
  const snapshots = await listSnapshots(settings.destination);
  const summaries: SnapshotSummary[] = [];
  for (const snapshot of snapshots) summaries.push(await summarize(settings.destination, snapshot));
  const offsite = await offsiteStateFor(settings, new Date());
  const offsiteLines = offsiteStatusLines(offsite);
  if (summaries.length === 0)
    return ok([`No snapshots in ${settings.destination} yet.`, ...offsiteLines].join('\n'), {
      destination: settings.destination,
      snapshots: [],
      offsite,
    });
  const rows = summaries.map((s) => [
    s.id,
    s.time.replace('T', ' '),
    String(s.files),
    formatBytes(s.bytes),
    s.verification.state === 'never'
      ? 'never'
      : `${s.verification.state} ${s.verification.at ? localTime(s.verification.at).slice(0, 10) : ''}${s.verification.samplePercent !== null && s.verification.samplePercent < 100 ? ` (${s.verification.samplePercent}%)` : ''}`,
    s.drill.state === 'never' ? '-' : `${s.drill.state} ${s.drill.at ? localTime(s.drill.at).slice(0, 10) : ''}`,
    s.suspect ? 'SUSPECT' : 'ok',
    s.source ?? '?',
  ]);
  const header = ['ID', 'TIME', 'FILES', 'SIZE', 'VERIFIED', 'DRILL', 'TRUST', 'SOURCE'];
  const suspects = summaries.filter((s) => s.suspect !== null).map((s) => s.id);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const text = [
    format(header),
    ...rows.map(format),
    `${plural(summaries.length, 'snapshot')} in ${settings.destination}`,
    ...(suspects.length > 0
      ? [
          `SUSPECT (possible ransomware; "latest" skips it, pruning is held): ${suspects.join(', ')}. ` +
            'Check the AVImark folder, then "avimark-backup accept ID", or delete it with "avimark-backup prune --id ID".',
        ]
      : []),
    ...offsiteLines,
  ].join('\n');
  return ok(text, { destination: settings.destination, snapshots: summaries, offsite });
}

async function summarize(dest: string, snapshot: SnapshotRef, fs: FileSystem = localFs): Promise<SnapshotSummary> {
  const m = /^(\d{4}-\d{2}-\d{2})_(\d{2})(\d{2})(\d{2})/.exec(snapshot.id);
  const time = m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}` : snapshot.id;
  const { files, bytes } = await countsOf(dest, snapshot, fs);
  const verify = await readVerifyRecord(snapshot, fs);
  const drill = await readJson<DrillRecord>(fs, path.join(snapshot.metaDir, 'drill.json'));
  return {
    id: snapshot.id,
    time,
    files,
    bytes,
    verification: verificationOf(verify),
    drill: drill ? { state: drill.ok ? 'passed' : 'failed', at: drill.drilledAt } : { state: 'never', at: null },
    source: await sourceOf(dest, snapshot, fs),
    suspect: await readSuspectMark(fs, dest, snapshot.id).then((mark) => (mark ? { reasons: mark.reasons } : null)),
  };
}

/** The source folder from the run record, or the manifest header. */
async function sourceOf(dest: string, snapshot: SnapshotRef, fs: FileSystem): Promise<string | null> {
  try {
    const run = await readRunRecord(dest, snapshot.id, fs);
    if (typeof run.source === 'string' && run.source !== '') return run.source;
  } catch {
    // fall through to the manifest
  }
  return readManifestHeader(fs, snapshot.manifestPath).then(
    (h) => h.source,
    () => null,
  );
}

function verificationOf(record: VerifyRecord | null): SnapshotSummary['verification'] {
  if (!record) return { state: 'never', at: null, samplePercent: null };
  return { state: record.ok ? 'ok' : 'damaged', at: record.verifiedAt, samplePercent: record.samplePercent };
}

/** File count and bytes from the run record, or (older or foreign stores) by reading the manifest. */
async function countsOf(
  dest: string,
  snapshot: SnapshotRef,
  fs: FileSystem,
): Promise<{ files: number; bytes: number }> {
  try {
    const run = await readRunRecord(dest, snapshot.id, fs);
    if (typeof run.filesTotal === 'number' && typeof run.bytesTotal === 'number')
      return { files: run.filesTotal, bytes: run.bytesTotal };
  } catch {
    // fall through to the manifest
  }
  let files = 0;
  let bytes = 0;
  for await (const entry of (await openManifest(fs, snapshot.manifestPath)).entries) {
    if (entry.type !== 'file') continue;
    files += 1;
    bytes += entry.size;
  }
  return { files, bytes };
}

async function readJson<T>(fs: FileSystem, file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) return null;
    throw err;
  }
}
