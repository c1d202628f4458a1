import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { AccessDeniedError, ExitCode, accessDenied, currentAccount, describeError } from '../../src/errors';

const errno = (code: string, syscall: string, path?: string) =>
  Object.assign(new Error(`${code}: permission denied, ${syscall} '${path}'`), { code, syscall, path });

describe('permission errors', () => {
  it('name the path, the account and the access needed, with a hint; exit 1, never "unexpected error"', () => {
    const d = describeError(errno('EACCES', 'mkdir', 'Q:\\AVImarkBackup\\meta'));
    expect(d.exitCode).toBe(ExitCode.RunFailed);
    expect(d.message).toBe(
      `permission denied: the account ${currentAccount()} is not allowed to create the folder Q:\\AVImarkBackup\\meta`,
    );
    expect(d.hint).toMatch(/^give the account .* that access/);
    expect(describeError(errno('EPERM', 'open', '/x/y')).message).toMatch(/is not allowed to open \/x\/y$/);
    expect(describeError(errno('EPERM', 'scandir', '/x')).message).toMatch(/is not allowed to list the folder \/x$/);
  });

  it('are found in a cause chain; other errors stay unexpected', () => {
    const wrapped = new Error('the copy failed', { cause: errno('EACCES', 'write', '/d/f') });
    expect(accessDenied(wrapped)).toBeInstanceOf(AccessDeniedError);
    expect(accessDenied(wrapped)?.path).toBe('/d/f');
    expect(accessDenied(errno('ENOENT', 'open', '/x'))).toBeUndefined();
    expect(accessDenied(Object.assign(new Error('EACCES'), { code: 'EACCES' }))).toBeUndefined();
    expect(describeError(new Error('boom')).message).toBe('unexpected error: boom');
  });

  it('the account is the one the process runs as', () => {
    expect(currentAccount()).toBe(os.userInfo().username);
  });
});
