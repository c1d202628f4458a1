import type { Logger } from '../log/logger';
import { CALL_TIMEOUT_MS, classifyFailure, type Restic, runChecked } from './restic';

export interface OffsiteInitResult {
  /** False when the repository already existed (init is safe to run again). */
  created: boolean;
  repositoryId: string | null;
}

/** The repository's id from `cat config` (restic's documented "is it initialised?" probe), or null if there is none. */
export async function repositoryId(restic: Restic): Promise<string | null> {
  const outcome = await restic.run({ args: ['cat', 'config', '--no-lock'], timeoutMs: CALL_TIMEOUT_MS });
  if (outcome.code === 0) {
    const id = /"id":\s*"([0-9a-f]+)"/.exec(outcome.stdout);
    return id ? id[1] : '';
  }
  if (classifyFailure(outcome) === 'no-repository') return null;
  throw restic.failure('opening the offsite repository', outcome);
}

/** Creates the repository with the configured password unless it exists (then only proves the password opens it). */
export async function initOffsite(restic: Restic, log: Logger): Promise<OffsiteInitResult> {
  const existing = await repositoryId(restic);
  if (existing !== null) {
    log.info({ repositoryId: existing }, 'the offsite repository already exists; the password opens it');
    return { created: false, repositoryId: existing || null };
  }
  await runChecked(restic, 'creating the offsite repository', { args: ['init'], timeoutMs: CALL_TIMEOUT_MS });
  const id = await repositoryId(restic);
  log.info({ repositoryId: id }, 'offsite repository created');
  return { created: true, repositoryId: id || null };
}
