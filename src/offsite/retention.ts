import type { OffsiteConfig } from '../config/schema';
import { RunFailedError } from '../errors';
import type { Logger } from '../log/logger';
import { OUR_TAG } from './list';
import { clearStaleLocks } from './locks';
import { lastLines, type Restic } from './restic';

export interface OffsiteRetentionResult {
  mode: 'append-only' | 'forget';
  /** restic snapshots removed (0 in append-only mode). */
  removed: number;
}

/**
 * `forget` arguments, or null in append-only mode (we never delete; the repository's own policy or
 * an administrator elsewhere does). `--group-by host`: with restic's default (host,paths) every
 * night's folder would be its own group and nothing would ever be forgotten. Pure.
 */
export function forgetArgs(retention: OffsiteConfig['retention'], host: string): string[] | null {
  if (retention === 'append-only') return null;
  return [
    'forget',
    '--json',
    '--host',
    host,
    '--tag',
    OUR_TAG,
    '--group-by',
    'host',
    '--keep-daily',
    String(retention.keepDaily),
    '--keep-weekly',
    String(retention.keepWeekly),
    '--keep-monthly',
    String(retention.keepMonthly),
    '--prune',
  ];
}

/** Counts the snapshots `forget --json` removed (groups of {keep, remove}). */
export function countRemoved(stdout: string): number {
  try {
    const groups: unknown = JSON.parse(stdout.trim().split(/\r?\n/)[0] || '[]');
    if (!Array.isArray(groups)) return 0;
    return groups.reduce<number>((sum, g) => {
      const remove = (g as { remove?: unknown }).remove;
      return sum + (Array.isArray(remove) ? remove.length : 0);
    }, 0);
  } catch {
    return 0;
  }
}

const REFUSED = /403|forbidden|append-only|refusing|access ?denied|unable to remove/i;

/**
 * Applies offsite.retention after a push. A repository that refuses deletion (append-only REST
 * server, object lock, a key without delete rights) fails with one clear sentence: restic 0.14 exits
 * 1 after its retries, 0.17/0.18 print "unable to remove" and exit 0, so both are checked.
 */
export async function applyOffsiteRetention(
  restic: Restic,
  retention: OffsiteConfig['retention'],
  options: { host: string; timeoutMs: number; log: Logger },
): Promise<OffsiteRetentionResult> {
  const args = forgetArgs(retention, options.host);
  if (!args) return { mode: 'append-only', removed: 0 };
  await clearStaleLocks(restic, options.log);
  options.log.info({ retention }, 'offsite retention: restic forget --prune');
  const outcome = await restic.run({ args, timeoutMs: options.timeoutMs });
  if (REFUSED.test(outcome.stderr)) {
    options.log.error({ detail: lastLines(outcome.stderr) }, 'the offsite repository refused to delete');
    throw new RunFailedError(
      'offsite retention: the repository refused to delete old copies (it is append-only or the key may not delete); nothing was removed',
      'set offsite.retention to "append-only" and let the repository (or an administrator on another machine) remove old copies; see docs/offsite.md',
    );
  }
  if (outcome.code !== 0) throw restic.failure('offsite retention (restic forget)', outcome);
  const removed = countRemoved(outcome.stdout);
  options.log.info({ removed }, 'offsite retention done');
  return { mode: 'forget', removed };
}
