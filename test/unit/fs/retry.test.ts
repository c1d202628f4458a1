import { describe, expect, it } from 'vitest';
import { describeFsError, isTransient, withRetry } from '../../../src/fs/retry';

describe('retry', () => {
  it('classifies errors and retries only transient ones', async () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(isTransient(err('EBUSY'))).toBe(true);
    expect(isTransient(err('ENOSPC'))).toBe(false);
    expect(isTransient(err('EPERM'), 'win32')).toBe(true);
    expect(isTransient(err('EPERM'), 'linux')).toBe(false);
    expect(describeFsError(err('ENOSPC'))).toMatch(/destination is full/);
    let n = 0;
    const policy = { retries: 5, retryMinTimeoutMs: 1, retryMaxTimeMs: 1000 };
    expect(await withRetry(async () => (++n < 3 ? Promise.reject(err('EBUSY')) : 'done'), policy)).toBe('done');
    expect(n).toBe(3);
    n = 0;
    await expect(withRetry(async () => (++n, Promise.reject(err('ENOSPC'))), policy)).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect(n).toBe(1);
    n = 0;
    await expect(
      withRetry(async () => (++n, Promise.reject(err('EIO'))), { ...policy, retries: 2 }),
    ).rejects.toMatchObject({ code: 'EIO' });
    expect(n).toBe(3);
  });

  it('a first attempt outside p-retry changes nothing: attempts, hooks and abort are as p-retry makes them', async () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    const policy = { retries: 3, retryMinTimeoutMs: 1, retryMaxTimeMs: 1000 };
    const attempts: number[] = [];
    const retried: Array<[string, number, number]> = [];
    const onRetry = (e: unknown, attempt: number, left: number) => retried.push([(e as Error).message, attempt, left]);
    const flaky = async (attempt: number) => {
      attempts.push(attempt);
      if (attempt < 3) throw err(attempt === 1 ? 'EBUSY' : 'EIO');
      return 'done';
    };
    expect(await withRetry(flaky, policy, { onRetry })).toBe('done');
    expect(attempts).toEqual([1, 2, 3]);
    expect(retried).toEqual([
      ['EBUSY', 1, 3],
      ['EIO', 2, 2],
    ]);

    // A non-error thrown first is p-retry's TypeError, as it would be on any attempt.
    await expect(withRetry(() => Promise.reject('text'), policy)).rejects.toThrow(/Non-error was thrown/);

    // Aborted before: nothing runs. Aborted during a first attempt that succeeds: the abort wins, as in p-retry.
    const before = new AbortController();
    before.abort(new Error('stopped before'));
    let ran = 0;
    await expect(withRetry(async () => void (ran += 1), policy, { signal: before.signal })).rejects.toThrow(
      'stopped before',
    );
    expect(ran).toBe(0);
    const during = new AbortController();
    await expect(
      withRetry(
        async () => {
          ran += 1;
          during.abort(new Error('stopped during'));
          return 'late';
        },
        policy,
        { signal: during.signal },
      ),
    ).rejects.toThrow('stopped during');
    expect(ran).toBe(1);
  });
});
