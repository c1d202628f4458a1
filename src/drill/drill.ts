import path from 'node:path';
import { isSameOrInside } from '../config/load';
import { AppError, DamageError, RunFailedError, UsageError, errnoCode, errorMessage } from '../errors';
import { formatBytesIn } from '../format/bytes';
import { localFs } from '../fs/local';
import type { FileSystem } from '../fs/types';
import { type Logger, silentLogger } from '../log/logger';
import { writeFileAtomic } from '../fs/durable';
import { type RestoreOptions, type RestoreProblem, restoreSnapshot } from '../engine/restore';
import { metaDir, storeLayout } from '../store/layout';
import { openManifest } from '../store/manifest';
import type { SnapshotRef } from '../store/snapshots';
import type { DrillRecord } from '../store/types';
import { checkTree } from './check';
import { type CommandResult, runDrillCommand } from './command';
import { SCRATCH_FOLDER, expandCommand, formatCommand, lastLines, missingRequiredFiles, scratchFolder } from './plan';

/**
 * Restores a snapshot into the empty folder `target` as an independent, writable copy (engine/restore's
 * restoreSnapshot in production) and lists the files whose content did not match the manifest.
 */
export type RestoreInto = (snapshot: SnapshotRef, target: string) => Promise<{ problems: RestoreProblem[] }>;

/**
 * The production restore: engine/restore into the scratch folder. The scratch folder lies inside the
 * store on purpose (same volume, no space needed elsewhere), so only the snapshots folder itself is
 * declared off-limits to it; the live folders stay refused.
 */
export function drillRestore(
  dest: string,
  liveSources: string[],
  logger?: Logger,
  onProgress?: RestoreOptions['onProgress'],
): RestoreInto {
  return (snapshot, target) =>
    restoreSnapshot(snapshot, target, { liveSources, dest: storeLayout(dest).snapshotsDir, logger, onProgress });
}

export interface DrillOptions {
  dest: string;
  snapshot: SnapshotRef;
  /** The live AVImark folders (configured source, source recorded in the manifest): the scratch folder must never be inside one. */
  liveSources: readonly string[];
  requiredFiles: readonly string[];
  command: readonly string[] | null;
  commandTimeoutMs: number;
  restore: RestoreInto;
  fs?: FileSystem;
  logger?: Logger;
  now?: () => Date;
}

export interface DrillOutcome {
  record: DrillRecord;
  /** Where the snapshot was restored (already removed again). */
  scratch: string;
  command: CommandResult | null;
}

/** Scratch folders older than this are leftovers of a drill that was killed; the next drill removes them. */
const STALE_SCRATCH_MS = 24 * 3_600_000;

/**
 * A restore drill: restore the snapshot into DEST/drill-scratch/…, check every file against the
 * manifest, check the files AVImark needs, run the administrator's command, record the verdict in
 * DEST/meta/<id>/drill.json, and remove the scratch folder whatever happened. Reads the snapshot only.
 *
 * Returns the outcome (record.ok false = the backup is not usable as it stands); throws RunFailedError
 * when the drill itself could not be carried out (the failure is still recorded).
 */
export async function runDrill(options: DrillOptions): Promise<DrillOutcome> {
  const fs = options.fs ?? localFs;
  const now = options.now ?? (() => new Date());
  const { dest, snapshot } = options;
  const started = now();
  const scratch = scratchFolder(dest, snapshot.id, started);
  for (const live of options.liveSources) {
    if (isSameOrInside(scratch, live) || isSameOrInside(live, scratch)) {
      throw new UsageError(
        `refusing to drill: the scratch folder ${scratch} would be inside the live AVImark folder ${live}`,
        'put the destination outside the AVImark folder',
      );
    }
  }
  const commandTemplate = options.command && options.command.length > 0 ? options.command : null;
  const record = (
    ok: boolean,
    problems: string[],
    filesChecked: number,
    commandExitCode: number | null,
  ): DrillRecord => ({
    snapshotId: snapshot.id,
    drilledAt: started.toISOString(),
    ok,
    durationSeconds: Math.round((now().getTime() - started.getTime()) / 100) / 10,
    filesChecked,
    problems,
    command: commandTemplate ? formatCommand(commandTemplate) : null,
    commandExitCode,
  });

  let outcome: DrillOutcome;
  try {
    await removeStaleScratch(fs, dest, started);
    await ensureRoomFor(fs, dest, snapshot);
    await fs.mkdir(path.dirname(scratch), { recursive: true });
    await fs.mkdir(scratch);
    outcome = await restoreAndCheck(fs, options, scratch, commandTemplate, record);
  } catch (err) {
    await removeScratch(fs, scratch).catch(() => undefined);
    const failure = record(false, [`the drill could not finish: ${errorMessage(err)}`], 0, null);
    await writeDrillRecord(fs, dest, failure).catch(() => undefined);
    if (err instanceof AppError) throw err;
    throw new RunFailedError(
      `restore drill of ${snapshot.id} could not finish: ${errorMessage(err)}`,
      'check free space and permissions on the destination',
      { cause: err },
    );
  }
  try {
    await writeDrillRecord(fs, dest, outcome.record);
  } catch (err) {
    await removeScratch(fs, scratch).catch(() => undefined);
    throw new RunFailedError(
      `restore drill of ${snapshot.id}: could not write its record: ${errorMessage(err)}`,
      undefined,
      { cause: err },
    );
  }
  try {
    await removeScratch(fs, scratch);
  } catch (err) {
    throw new RunFailedError(
      `restore drill of ${snapshot.id}: could not remove the scratch folder ${scratch}: ${errorMessage(err)}`,
      'delete it by hand; the next drill also removes leftovers older than a day',
      { cause: err },
    );
  }
  return outcome;
}

async function restoreAndCheck(
  fs: FileSystem,
  options: DrillOptions,
  scratch: string,
  commandTemplate: readonly string[] | null,
  record: (ok: boolean, problems: string[], filesChecked: number, commandExitCode: number | null) => DrillRecord,
): Promise<DrillOutcome> {
  const logger = options.logger ?? silentLogger();
  // One problem per path: what the restore saw while copying comes first, the read-back check adds the rest.
  const byPath = new Map<string, string>();
  const other: string[] = [];
  try {
    const restored = await options.restore(options.snapshot, scratch);
    // The full detail (sizes, hashes) is in the log; the record keeps words a person reads.
    for (const p of restored.problems) {
      byPath.set(
        p.path,
        p.kind === 'missing'
          ? `missing from the snapshot: ${p.path}`
          : `damaged: ${p.path} (${p.detail.replace(/\s*\(.*\)\s*$/s, '')})`,
      );
    }
  } catch (err) {
    // A restore that refuses because content does not match the manifest is a finding, not an accident.
    if (!(err instanceof DamageError)) throw err;
    other.push(`restore reported damage: ${err.message}`);
  }
  logger.info({ scratch }, 'restored; reading the copy back against the manifest');
  const { entries } = await openManifest(fs, options.snapshot.manifestPath);
  const check = await checkTree(fs, scratch, entries);
  for (const d of check.damaged) if (!byPath.has(d.path)) byPath.set(d.path, `damaged: ${d.path} (${d.detail})`);
  for (const m of check.missing) if (!byPath.has(m)) byPath.set(m, `missing after restore: ${m}`);
  const problems = [...byPath.values(), ...other];
  for (const p of check.extra) problems.push(`not in the manifest: ${p}`);
  problems.push(
    ...missingRequiredFiles(options.requiredFiles, check.files).map(
      (p) => `required file missing: ${p} (AVImark cannot start without it)`,
    ),
  );

  let command: CommandResult | null = null;
  if (commandTemplate) {
    const argv = expandCommand(commandTemplate, scratch);
    command = await runDrillCommand(argv, {
      cwd: scratch,
      timeoutMs: options.commandTimeoutMs,
      env: { AVIMARK_DRILL_DIR: scratch, AVIMARK_DRILL_SNAPSHOT: options.snapshot.id },
    });
    const problem = commandProblem(formatCommand(commandTemplate), command, options.commandTimeoutMs);
    logger.info(
      { argv, exitCode: command.exitCode, timedOut: command.timedOut, outputTail: command.outputTail },
      'drill command finished',
    );
    if (problem) problems.push(problem);
  }
  return {
    record: record(problems.length === 0, problems, check.filesChecked, command?.exitCode ?? null),
    scratch,
    command,
  };
}

export function commandProblem(shown: string, result: CommandResult, timeoutMs: number): string | null {
  const tail = lastLines(result.outputTail);
  const said = tail ? `; it said: ${tail}` : '';
  if (result.startError) return `drill command ${shown} could not start: ${result.startError}`;
  if (result.timedOut)
    return `drill command ${shown} did not finish within ${timeoutMs < 60_000 ? `${Math.round(timeoutMs / 100) / 10} seconds` : `${Math.round(timeoutMs / 6_000) / 10} minutes`} and was stopped${said}`;
  if (result.exitCode === null)
    return `drill command ${shown} was killed (${result.signal ?? 'unknown signal'})${said}`;
  if (result.exitCode !== 0) return `drill command ${shown} exited with code ${result.exitCode}${said}`;
  return null;
}

export async function writeDrillRecord(fs: FileSystem, dest: string, record: DrillRecord): Promise<void> {
  await writeFileAtomic(
    fs,
    path.join(metaDir(dest, record.snapshotId), 'drill.json'),
    `${JSON.stringify(record, null, 2)}\n`,
  );
}

/** Sums the manifest's file sizes and compares with the free space on the destination volume. */
async function ensureRoomFor(fs: FileSystem, dest: string, snapshot: SnapshotRef): Promise<void> {
  let needed = 0;
  const { entries } = await openManifest(fs, snapshot.manifestPath);
  for await (const entry of entries) needed += entry.size;
  let free: number;
  try {
    const st = await fs.statfs(dest);
    free = st.bavail * st.bsize;
  } catch {
    return; // unknown: let the restore find out
  }
  if (free < needed) {
    throw new RunFailedError(
      `not enough free space on the destination for a restore drill of ${snapshot.id}: it needs ${formatBytesIn(needed, 'GiB', 2)}, ${formatBytesIn(free, 'GiB', 2)} is free`,
      'free space on the destination (or prune old snapshots) and run the drill again',
    );
  }
}

async function removeStaleScratch(fs: FileSystem, dest: string, now: Date): Promise<void> {
  const root = path.join(dest, SCRATCH_FOLDER);
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  for (const name of names) {
    const st = await fs.lstat(path.join(root, name)).catch(() => null);
    if (st && now.getTime() - st.mtimeMs > STALE_SCRATCH_MS) await removeScratch(fs, path.join(root, name));
  }
}

/** Removes a scratch folder; read-only files (Windows refuses to delete them) are made writable first. */
export async function removeScratch(fs: FileSystem, scratch: string): Promise<void> {
  try {
    await fs.rm(scratch, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    if (errnoCode(err) !== 'EPERM' && errnoCode(err) !== 'EACCES') throw err;
    await makeWritable(fs, scratch);
    await fs.rm(scratch, { recursive: true, force: true, maxRetries: 3 });
  }
  const root = path.dirname(scratch);
  if ((await fs.readdir(root).catch(() => ['?'])).length === 0) await fs.rmdir(root).catch(() => undefined);
}

async function makeWritable(fs: FileSystem, dir: string): Promise<void> {
  await fs.chmod(dir, 0o777).catch(() => undefined);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await makeWritable(fs, full);
    else if (!e.isSymbolicLink()) await fs.chmod(full, 0o666).catch(() => undefined);
  }
}
