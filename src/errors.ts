import os from 'node:os';

/** Exit codes are a public contract (README "Exit codes"). */
export const ExitCode = {
  Success: 0,
  RunFailed: 1,
  Usage: 2,
  Damage: 3,
  LockoutNotUndone: 4,
  Suspect: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every failure the user must act on is one of these: it carries the exit code and a
 * sentence that says what to do. Anything else reaching the CLI is a bug and exits 1.
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line or configuration: exit 2, nothing was touched. */
export class UsageError extends AppError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.Usage, hint);
  }
}

/** A configuration field is wrong; `field` is its dotted path, e.g. `lockout.services[0].name`. */
export class ConfigError extends UsageError {
  constructor(
    readonly field: string,
    problem: string,
    hint?: string,
  ) {
    super(`config ${field}: ${problem}`, hint);
  }
}

/**
 * The backup destination (a USB rotation disk, a NAS share) is not there: its drive, share or parent
 * folder does not exist. Exit 2, nothing was touched.
 */
export class DestinationUnavailableError extends UsageError {
  constructor(
    readonly destination: string,
    readonly missing: string,
  ) {
    super(
      `the destination ${destination} is not available — is the backup disk connected?`,
      (missing === destination
        ? 'connect the backup disk or share (or check "destination" in the config)'
        : `${missing} does not exist: connect the backup disk or share, or create ${missing} if this is a new destination`) +
        (/^[A-Za-z]:[\\/]*$/.test(missing)
          ? `; if ${missing.slice(0, 2)} is a network drive mapped in a user's session, it does not exist for SYSTEM (the nightly task): use the UNC path (\\\\server\\share\\…)`
          : ''),
    );
  }
}

/** The run failed; earlier snapshots are untouched: exit 1. */
export class RunFailedError extends AppError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.RunFailed, hint, options);
  }
}

/** The run was stopped (a signal, the caller) before it finished; AVImark was given back: exit 1. */
export class InterruptedError extends RunFailedError {}

/** Verification found missing, extra or damaged files: exit 3. */
export class DamageError extends AppError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.Damage, hint);
  }
}

/** AVImark could not be fully given back: exit 4. `stillLocked` says what, in words an admin can act on. */
export class LockoutNotUndoneError extends AppError {
  constructor(
    message: string,
    readonly stillLocked: string[],
    hint?: string,
  ) {
    super(message, ExitCode.LockoutNotUndone, hint);
  }
}

/**
 * The first error of class `type` in the chain `err`, `err.cause`, `err.cause.cause` …, or undefined.
 * Errors are classified this way, by class, never by their message.
 */
export function findCause<T extends Error>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = e.cause) {
    if (e instanceof type) return e;
    seen.add(e);
  }
  return undefined;
}

/**
 * How an error ends a run: an AppError's own exit code, message and hint; anything else is a bug
 * (exit 1, "unexpected error"). The CLI, the alerts and last-run.json all describe errors through this.
 */
export function describeError(err: unknown): { exitCode: ExitCodeValue; message: string; hint?: string } {
  if (err instanceof AppError) return { exitCode: err.exitCode, message: err.message, hint: err.hint };
  const denied = accessDenied(err);
  if (denied) return { exitCode: denied.exitCode, message: denied.message, hint: denied.hint };
  return { exitCode: ExitCode.RunFailed, message: `unexpected error: ${errorMessage(err)}` };
}

export function exitCodeOf(err: unknown): ExitCodeValue {
  return describeError(err).exitCode;
}

/**
 * The backup looked like ransomware at work (src/guard): the snapshot was committed but marked suspect,
 * `latest` did not move and pruning is held until `avimark-backup accept ID`: exit 5. `reasons` says why.
 */
export class SuspectSnapshotError extends AppError {
  constructor(
    message: string,
    readonly snapshotId: string,
    readonly reasons: readonly string[],
    hint?: string,
  ) {
    super(message, ExitCode.Suspect, hint);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Permission denied (EACCES, EPERM) on a path: says which path, the account the tool runs as and the access
 * it needed. The one place such errors are put into words (describeError uses it for anything not an AppError).
 */
export class AccessDeniedError extends RunFailedError {
  constructor(
    readonly path: string,
    readonly access: string,
    readonly account: string,
    options?: { cause?: unknown },
  ) {
    super(
      `permission denied: the account ${account} is not allowed to ${access} ${path}`,
      `give the account ${account} that access (on the folder's Security tab, or with icacls), or run as an account that has it (the nightly task runs as SYSTEM)`,
      options,
    );
  }
}

/** The account this process runs as, as Windows or POSIX names it (SYSTEM for the nightly task). */
export function currentAccount(): string {
  try {
    const { username } = os.userInfo();
    return username || 'this account';
  } catch {
    return process.platform === 'win32' ? 'SYSTEM' : 'this account';
  }
}

const ACCESS_BY_SYSCALL: Readonly<Record<string, string>> = {
  open: 'open',
  read: 'read',
  scandir: 'list the folder',
  opendir: 'list the folder',
  stat: 'read',
  lstat: 'read',
  access: 'open',
  mkdir: 'create the folder',
  write: 'write to',
  rename: 'rename',
  unlink: 'delete',
  rmdir: 'delete the folder',
  rm: 'delete',
  chmod: 'change the attributes of',
  utime: 'change the times of',
  futime: 'change the times of',
  link: 'create the hard link',
  symlink: 'create the link',
  copyfile: 'copy to',
  fsync: 'write to',
};

/** `err` (or a cause) as an AccessDeniedError when it is EACCES or EPERM on a known path, else undefined. */
export function accessDenied(err: unknown): AccessDeniedError | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e instanceof AccessDeniedError) return e;
    const code = errnoCode(e);
    if (code !== 'EACCES' && code !== 'EPERM') continue;
    const { path: p, syscall } = e as { path?: unknown; syscall?: unknown };
    if (typeof p !== 'string') continue;
    const access = (typeof syscall === 'string' && ACCESS_BY_SYSCALL[syscall]) || 'use';
    return new AccessDeniedError(p, access, currentAccount(), { cause: e });
  }
  return undefined;
}
