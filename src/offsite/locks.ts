import type { Logger } from '../log/logger';
import { CALL_TIMEOUT_MS, type Restic, runChecked } from './restic';

/**
 * A killed restic leaves its lock behind (on Windows every cancel is a hard kill): `check` and
 * `forget` then refuse to start. When a lock is listed, `restic unlock` removes the STALE ones only
 * (older than 30 minutes, or of a dead process on this host); a live restic keeps its lock.
 * Returns how many locks were listed.
 */
export async function clearStaleLocks(restic: Restic, log: Logger): Promise<number> {
  const out = await runChecked(restic, 'listing the offsite repository locks', {
    args: ['list', 'locks', '--no-lock'],
    timeoutMs: CALL_TIMEOUT_MS,
  });
  const locks = out.split(/\r?\n/).filter((l) => /^[0-9a-f]{64}$/.test(l.trim())).length;
  if (locks === 0) return 0;
  log.warn({ locks }, 'the offsite repository has locks (a killed restic leaves one): running restic unlock');
  await runChecked(restic, 'restic unlock', { args: ['unlock'], timeoutMs: CALL_TIMEOUT_MS });
  return locks;
}
