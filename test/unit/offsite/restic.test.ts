import { describe, expect, it } from 'vitest';
import { RunFailedError, UsageError } from '../../../src/errors';
import { classifyFailure, failureError, type ResticOutcome } from '../../../src/offsite/restic';

const outcome = (code: number | null, stderr: string, timedOut = false): ResticOutcome => ({
  code,
  signal: null,
  stdout: '',
  stderr,
  timedOut,
  aborted: false,
  timeoutMs: 120_000,
});

describe('exit codes of restic 0.14 and 0.17+', () => {
  it.each([
    [1, 'Fatal: wrong password or no key found', 'wrong-password'],
    [12, 'Fatal: an error', 'wrong-password'],
    [
      1,
      'Fatal: unable to open config file: stat /r/config: no such file or directory\nIs there a repository at the following location?',
      'no-repository',
    ],
    [10, 'Fatal: repository does not exist', 'no-repository'],
    [
      1,
      'Fatal: unable to open config file: Head "http://127.0.0.1:9/x/config": dial tcp 127.0.0.1:9: connect: connection refused\nIs there a repository at the following location?',
      'unreachable',
    ],
    [1, 'unable to create lock in backend: repository is already locked by PID 7', 'locked'],
    [11, 'Fatal: x', 'locked'],
    [130, 'signal interrupt received, cleaning up', 'interrupted'],
    [3, 'Warning: at least one source file could not be read', 'partial'],
    [1, 'Fatal: something else', 'other'],
  ] as const)('code %i: %s → %s', (code, stderr, kind) => {
    expect(classifyFailure(outcome(code, stderr))).toBe(kind);
  });

  it('a timeout wins, and a wrong password is a UsageError (exit 2), the rest exit 1', () => {
    expect(classifyFailure(outcome(null, 'wrong password', true))).toBe('timeout');
    expect(failureError('x', outcome(1, 'Fatal: wrong password or no key found'), 'repo')).toBeInstanceOf(UsageError);
    const timeout = failureError('push', outcome(null, '', true), 'repo');
    expect(timeout).toBeInstanceOf(RunFailedError);
    expect(timeout.message).toMatch(/within 2 minute/);
  });
});
