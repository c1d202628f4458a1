import os from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  DestinationUnavailableError,
  ExitCode,
  accessDenied,
  currentAccount,
  describeError,
} from '../../src/errors';

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

describe('DestinationUnavailableError', () => {
  it('a missing drive root also names the mapped-drive trap (issue 13 §10); other paths do not', () => {
    const drive = new DestinationUnavailableError('Q:\\AVImarkBackup', 'Q:\\');
    expect(drive.exitCode).toBe(2);
    expect(drive.hint).toBe(
      "Q:\\ does not exist: connect the backup disk or share, or create Q:\\ if this is a new destination; if Q: is a network drive mapped in a user's session, it does not exist for SYSTEM (the nightly task): use the UNC path (\\\\server\\share\\…)",
    );
    expect(new DestinationUnavailableError('/mnt/usb/b', '/mnt/usb').hint).not.toMatch(/mapped/);
  });
});
