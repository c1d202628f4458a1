import type { Logger } from '../log/logger';
import { localFs } from '../fs/local';
import type { FileSystem } from '../fs/types';
import { listStoredFiles, storedPath } from '../engine/stored-files';
import { type HashedFile, type VerifyProblem, hashFile } from '../engine/verify';
import { scrubStatePath } from '../guard/paths';
import { type ScrubCoverage, markScrubbed, planScrub, scrubCoverage } from '../guard/scrub-plan';
import { readScrubState, writeScrubState } from '../guard/scrub-state';
import { type DamageFinding, updateDamageRegistry } from '../store/damage-registry';
import { snapshotDir } from '../store/layout';
import { listSnapshots } from '../store/snapshots';
import type { ScrubRecord } from '../store/types';
import { errorMessage } from '../errors';

/**
 * The rolling scrub of the nightly verification (issue 14, like restic's `check --read-data-subset`):
 * re-hashes tonight's slice of the stored files (guard/scrub-plan) so every file of every kept snapshot
 * is read at least every `verify.scrubDays` days; files the night's verification already re-hashed count
 * too. Damage it finds goes into the damage registry (the next backup copies those files fresh) and is
 * returned as problems (exit 3); the state is kept in DEST/meta/scrub-state.jsonl.
 */

export interface ScrubResult {
  filesRead: number;
  bytesRead: number;
  problems: VerifyProblem[];
  /** After tonight's slice. */
  coverage: ScrubCoverage;
}

export interface ScrubOptions {
  scrubDays: number;
  /** Files the night's verification re-hashed (marked verified without reading them again). */
  alreadyHashed?: readonly HashedFile[];
  now?: () => Date;
  fs?: FileSystem;
  log?: Logger;
}

async function rehash(
  fs: FileSystem,
  dest: string,
  file: { snapshotId: string; path: string; size: number },
): Promise<string | null> {
  return hashFile(fs, storedPath({ dir: snapshotDir(dest, file.snapshotId) }, file.path), file.size).catch(() => null);
}

export async function scrubStore(dest: string, options: ScrubOptions): Promise<ScrubResult> {
  const fs = options.fs ?? localFs;
  const now = options.now?.() ?? new Date();
  const stored = await listStoredFiles(fs, await listSnapshots(dest, fs));
  const file = scrubStatePath(dest);
  const before = markScrubbed((await readScrubState(fs, file)).state, options.alreadyHashed ?? [], now);
  const plan = planScrub({ files: stored, state: before, now, scrubDays: options.scrubDays });
  const verified: Array<{ key: string; sha256: string; ok: boolean }> = [];
  const findings: DamageFinding[] = [];
  const problems: VerifyProblem[] = [];
  let bytesRead = 0;
  for (const f of plan.slice) {
    const sha = await rehash(fs, dest, f);
    bytesRead += f.size;
    const ok = sha === f.sha256;
    verified.push({ key: f.key, sha256: f.sha256, ok });
    if (ok) continue;
    const detail = sha === null ? 'cannot be read' : `content differs (SHA-256 ${sha}, expected ${f.sha256})`;
    findings.push({ snapshotId: f.snapshotId, path: f.path, key: f.key, sha256: f.sha256, size: f.size, detail });
    problems.push({ kind: 'damaged', path: `${f.snapshotId}/${f.path}`, detail: `scrub: ${detail}` });
  }
  const state = markScrubbed(before, verified, now, new Set(stored.map((s) => s.key)));
  await writeScrubState(fs, file, state);
  const verifiedGood = plan.slice
    .filter((_, i) => verified[i]?.ok)
    .map((f) => ({ snapshotId: f.snapshotId, path: f.path, key: f.key }));
  await updateDamageRegistry(fs, dest, { findings, verifiedGood }, now).catch((err: unknown) => {
    options.log?.warn(`the damage registry could not be updated: ${errorMessage(err)}`);
  });
  const coverage = scrubCoverage(stored, state, now, options.scrubDays);
  options.log?.info({ filesRead: plan.slice.length, bytesRead, coverage: coverage.percent }, 'scrubbed');
  return { filesRead: plan.slice.length, bytesRead, problems, coverage };
}

/** What the verification history keeps of a scrub (DEST/meta/<ID>/verify.json "scrub"). */
export function scrubRecord(scrub: ScrubResult, scrubDays: number): ScrubRecord {
  const { files, filesCovered, percent, oldest } = scrub.coverage;
  return { filesRead: scrub.filesRead, bytesRead: scrub.bytesRead, scrubDays, files, filesCovered, percent, oldest };
}
