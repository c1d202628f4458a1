import pRetry from 'p-retry';
import { errnoCode } from '../errors';

/**
 * Errors worth another try: a file held open without sharing (EBUSY = ERROR_SHARING_VIOLATION or
 * ERROR_LOCK_VIOLATION on Windows), a flaky network path (ETIMEDOUT, ECONNRESET, EIO …). On Windows,
 * antivirus and indexers briefly deny access too (EPERM/EACCES), so those are retried there as well.
 */
const IN_USE = new Set(['EBUSY', 'EAGAIN']);
const IN_USE_ON_WINDOWS = new Set(['EPERM', 'EACCES']);
const TRANSIENT = new Set([
  ...IN_USE,
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNABORTED',
  'EIO',
  'EPIPE',
  'ENETRESET',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/** Held by another program (a sharing violation or a byte-range lock), as opposed to a failing disk or network. */
export function isInUse(err: unknown, platform: NodeJS.Platform = process.platform): boolean {
  const code = errnoCode(err);
  if (!code) return false;
  return IN_USE.has(code) || (platform === 'win32' && IN_USE_ON_WINDOWS.has(code));
}

export function isTransient(err: unknown, platform: NodeJS.Platform = process.platform): boolean {
  const code = errnoCode(err);
  if (!code) return false;
  return TRANSIENT.has(code) || isInUse(err, platform);
}

/** What an errno means, in words an administrator can act on. */
export function describeFsError(err: unknown): string {
  const code = errnoCode(err);
  const base = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'EBUSY':
      return `the file is in use by another program (${code}) — was AVImark still running?`;
    case 'ENOSPC':
      return `the destination is full (${code})`;
    case 'EACCES':
    case 'EPERM':
      return `access denied (${code})`;
    case 'ENOENT':
      return `it disappeared while being backed up (${code})`;
    case 'EIO':
      return `input/output error (${code}) — check the disk or network`;
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return `the network connection failed (${code})`;
    default:
      return base;
  }
}

export interface RetryPolicy {
  retries: number;
  retryMinTimeoutMs: number;
  retryMaxTimeMs: number;
}

/** For metadata calls made where no engine policy is at hand (root checks, state folders): a brief flaky moment must not fail the run. */
export const METADATA_RETRY: RetryPolicy = { retries: 3, retryMinTimeoutMs: 200, retryMaxTimeMs: 10_000 };

export interface RetryHooks {
  signal?: AbortSignal;
  /** Called before each retry (for logging). */
  onRetry?: (err: unknown, attempt: number, retriesLeft: number) => void;
  /** Defaults to isTransient. */
  shouldRetry?: (err: unknown) => boolean;
}

/** Runs `fn`, retrying transient file-system errors with exponential backoff, bounded by count and total time. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  // The first attempt runs outside p-retry: nearly every call succeeds at once, and p-retry's context per call
  // was measurable over a 100,000-file scan (docs/bench.md). A failed first attempt is handed to p-retry as its
  // attempt 1, so what follows (hooks, backoff, time limit, abort) is p-retry's own.
  let first: { error: unknown } | null = null;
  if (!hooks.signal?.aborted) {
    try {
      const result = await fn(1);
      if (!hooks.signal?.aborted) return result;
    } catch (error) {
      first = { error };
    }
  }
  return retrying((attempt) => (attempt === 1 && first ? Promise.reject(first.error) : fn(attempt)), policy, hooks);
}

/** `fn` under p-retry with the policy (attempt 1 included). */
function retrying<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  const shouldRetry = hooks.shouldRetry ?? ((e: unknown) => isTransient(e));
  return pRetry(fn, {
    retries: policy.retries,
    minTimeout: policy.retryMinTimeoutMs,
    maxTimeout: Math.max(policy.retryMinTimeoutMs, Math.min(10_000, policy.retryMaxTimeMs)),
    factor: 2,
    maxRetryTime: policy.retryMaxTimeMs,
    randomize: true,
    signal: hooks.signal,
    shouldRetry: ({ error }) => shouldRetry(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && shouldRetry(error)) hooks.onRetry?.(error, attemptNumber, retriesLeft);
    },
  });
}

/** `fs` with the metadata calls the scan makes (opendir, lstat, stat, readlink, readdir) retried like file copies. */
export function retryingFs<
  T extends Pick<import('./types').FileSystem, 'opendir' | 'lstat' | 'stat' | 'readlink' | 'readdir'>,
>(fs: T, policy: RetryPolicy, hooks: RetryHooks = {}): T {
  const wrap = <K extends 'opendir' | 'lstat' | 'stat' | 'readlink' | 'readdir'>(name: K): T[K] => {
    const fn = fs[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    return ((...args: unknown[]) => withRetry(() => fn(...args), policy, hooks)) as unknown as T[K];
  };
  return {
    ...fs,
    opendir: wrap('opendir'),
    lstat: wrap('lstat'),
    stat: wrap('stat'),
    readlink: wrap('readlink'),
    readdir: wrap('readdir'),
  };
}
