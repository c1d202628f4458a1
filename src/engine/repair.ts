import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { errnoCode, errorMessage } from '../errors';
import { fsyncDir } from '../fs/durable';
import { joinRelative } from '../fs/join-relative';
import { removeIfExists } from '../fs/remove';
import type { FileSystem, SourceFs } from '../fs/types';
import { snapshotDir } from '../store/layout';
import { storedPath } from './stored-files';
import { utimesTime } from './times';

/**
 * The `verify --repair` executor (issue 14), carrying out guard/repair-plan's groups: for one damaged
 * stored file (one inode, linked from every snapshot in `targets`), the first good source whose content
 * hashes to the manifest's SHA-256 while it is copied is written fresh to a temporary file beside the
 * first target, flushed, given the manifest's modification time and made read-only, then linked under a
 * temporary name beside each target and renamed over it (a new inode: the damaged one goes with its
 * last link). A source whose bytes hash differently is skipped for the next one.
 */

export interface RepairPlace {
  snapshotId: string;
  path: string;
}

export type RepairSource = { kind: 'source'; path: string } | { kind: 'snapshot'; snapshotId: string; path: string };

export interface RepairJob {
  key: string | null;
  sha256: string;
  size: number;
  targets: RepairPlace[];
  sources: RepairSource[];
  /** The manifest's modification time (ns, decimal) and mode bits for the healed copy. */
  mtimeNs: string;
  mode: number;
}

export interface RepairContext {
  fs: FileSystem;
  dest: string;
  /** The live source folder and how to read it (null: no live source, only other snapshots). */
  source: { fs: SourceFs; root: string } | null;
}

export type RepairOutcome =
  | { healed: true; job: RepairJob; from: RepairSource }
  | { healed: false; job: RepairJob; reason: string };

const BUFFER_BYTES = 1 << 20;

function sourcePath(ctx: RepairContext, from: RepairSource): { fs: SourceFs; file: string } | null {
  if (from.kind === 'snapshot') {
    return { fs: ctx.fs, file: storedPath({ dir: snapshotDir(ctx.dest, from.snapshotId) }, from.path) };
  }
  return ctx.source ? { fs: ctx.source.fs, file: joinRelative(ctx.source.root, from.path) } : null;
}

const placePath = (ctx: RepairContext, p: RepairPlace) =>
  storedPath({ dir: snapshotDir(ctx.dest, p.snapshotId) }, p.path);

/** A name beside `file` for the fresh copy (short suffix: names near the length limit still fit). */
const tempBeside = (file: string) => path.join(path.dirname(file), `.repair-${randomBytes(4).toString('hex')}.tmp`);

/** Copies `from` to `temp`, hashing while writing; the SHA-256 of what was written, flushed. */
async function copyHashing(ctx: RepairContext, from: { fs: SourceFs; file: string }, temp: string): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  const input = await from.fs.open(from.file, 'r');
  try {
    const output = await ctx.fs.open(temp, 'wx');
    try {
      for (let pos = 0; ; ) {
        const { bytesRead } = await input.read(buffer, 0, buffer.length, pos);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        await output.write(chunk, 0, bytesRead);
        pos += bytesRead;
      }
      await output.sync();
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
  return hash.digest('hex');
}

/** Writes a verified fresh copy at `temp` from the first good source; the source used, or a reason. */
async function freshCopy(ctx: RepairContext, job: RepairJob, temp: string): Promise<RepairSource | string> {
  const tried: string[] = [];
  for (const from of job.sources) {
    const place = sourcePath(ctx, from);
    const label = from.kind === 'source' ? 'the live source' : `snapshot ${from.snapshotId}`;
    if (place === null) continue;
    try {
      const sha256 = await copyHashing(ctx, place, temp);
      if (sha256 === job.sha256) return from;
      tried.push(`${label} has different content now`);
    } catch (err) {
      tried.push(`${label} could not be read: ${errorMessage(err)}`);
    }
    await removeIfExists(ctx.fs, temp);
  }
  return tried.length > 0 ? tried.join('; ') : 'no good copy was found';
}

/** Puts the fresh copy (`temp`) in place of every target: link beside, rename over. */
async function replaceTargets(ctx: RepairContext, job: RepairJob, temp: string): Promise<void> {
  for (const target of job.targets) {
    const file = placePath(ctx, target);
    const beside = tempBeside(file);
    try {
      await ctx.fs.link(temp, beside);
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw err;
      // A destination without hard links: every target gets its own copy.
      await ctx.fs.copyFile(temp, beside);
      await ctx.fs.utimes(beside, utimesTime(job.mtimeNs), utimesTime(job.mtimeNs));
      await ctx.fs.chmod(beside, job.mode & 0o7555);
    }
    await ctx.fs.rename(beside, file);
    await fsyncDir(ctx.fs, path.dirname(file));
  }
}

export async function repairFile(ctx: RepairContext, job: RepairJob): Promise<RepairOutcome> {
  const first = job.targets[0];
  if (first === undefined) return { healed: false, job, reason: 'nothing to heal' };
  const temp = tempBeside(placePath(ctx, first));
  try {
    const from = await freshCopy(ctx, job, temp);
    if (typeof from === 'string') return { healed: false, job, reason: from };
    await ctx.fs.utimes(temp, utimesTime(job.mtimeNs), utimesTime(job.mtimeNs));
    await ctx.fs.chmod(temp, job.mode & 0o7555);
    await replaceTargets(ctx, job, temp);
    return { healed: true, job, from };
  } catch (err) {
    return { healed: false, job, reason: `could not be replaced: ${errorMessage(err)}` };
  } finally {
    await removeIfExists(ctx.fs, temp).catch(() => undefined);
  }
}

export async function repairFiles(ctx: RepairContext, jobs: readonly RepairJob[]): Promise<RepairOutcome[]> {
  const outcomes: RepairOutcome[] = [];
  for (const job of jobs) outcomes.push(await repairFile(ctx, job));
  return outcomes;
}
