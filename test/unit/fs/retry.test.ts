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
});
