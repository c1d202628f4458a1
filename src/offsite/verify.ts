import { DamageError, errorMessage } from '../errors';
import type { Logger } from '../log/logger';
import { clearStaleLocks } from './locks';
import { classifyFailure, lastLines, type Restic } from './restic';
import { updateOffsiteState } from './status';

export interface OffsiteVerifyResult {
  ok: boolean;
  /** What was read back: "n/m" of the data packs, or "all". */
  subset: string;
  /** The slice the next verify will read. */
  nextSlice: number;
  durationSeconds: number;
  staleLocksCleared: number;
}

/**
 * The restic `check` arguments for slice `slice` of `scrubDays`: each run reads one deterministic
 * n/m share of the data packs, n rotating, so the whole repository is read back over scrubDays runs
 * (scrubDays 1 = everything every time). Pure.
 */
export function checkArgs(
  slice: number,
  scrubDays: number,
): { args: string[]; subset: string; slice: number; nextSlice: number } {
  if (scrubDays <= 1) return { args: ['check', '--read-data'], subset: 'all', slice: 1, nextSlice: 1 };
  const n = ((Math.max(1, Math.floor(slice)) - 1) % scrubDays) + 1;
  return {
    args: ['check', '--read-data-subset', `${n}/${scrubDays}`],
    subset: `${n}/${scrubDays}`,
    slice: n,
    nextSlice: (n % scrubDays) + 1,
  };
}

/**
 * restic check of the structure plus one slice of the data. Damage found → DamageError (exit 3);
 * no answer, wrong password and the like → the matching AppError. The result and the next slice are
 * kept in the state folder either way.
 */
export async function verifyOffsite(
  restic: Restic,
  options: { stateDir: string; scrubDays: number; slice: number; timeoutMs: number; log: Logger; now?: () => Date },
): Promise<OffsiteVerifyResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const plan = checkArgs(options.slice, options.scrubDays);
  const record = (ok: boolean, message: string, next: number) =>
    updateOffsiteState(options.stateDir, (s) => ({
      ...s,
      lastCheck: { at: now().toISOString(), ok, subset: plan.subset, message },
      nextScrubSlice: next,
    }));
  try {
    const staleLocksCleared = await clearStaleLocks(restic, options.log);
    options.log.info({ subset: plan.subset }, 'offsite check starting');
    const outcome = await restic.run({ args: plan.args, timeoutMs: options.timeoutMs });
    const output = `${outcome.stdout}\n${outcome.stderr}`;
    const damaged = /repository contains errors|pack [0-9a-f]+.*(damaged|invalid|does not match)|error for tree/i;
    if (outcome.code !== 0 && classifyFailure(outcome) === 'other' && damaged.test(output)) {
      const detail = lastLines(restic.scrub(output), 5);
      options.log.error({ subset: plan.subset, detail }, 'offsite check found damage');
      throw new DamageError(
        `offsite check (${plan.subset}) found damage in the repository: ${detail}`,
        'the local snapshots are unaffected; see docs/offsite.md "When the check finds damage"',
      );
    }
    if (outcome.code !== 0) throw restic.failure(`offsite check (${plan.subset})`, outcome);
    await record(true, 'no errors were found', plan.nextSlice);
    const durationSeconds = Math.round((now().getTime() - started.getTime()) / 100) / 10;
    options.log.info({ subset: plan.subset, durationSeconds }, 'offsite check passed');
    return { ok: true, subset: plan.subset, nextSlice: plan.nextSlice, durationSeconds, staleLocksCleared };
  } catch (err) {
    // A slice that could not be read is read again next time.
    await record(false, errorMessage(err), plan.slice).catch(() => undefined);
    throw err;
  }
}
