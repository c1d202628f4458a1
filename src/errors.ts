/** Exit codes are a public contract (README "Exit codes"). */
export const ExitCode = {
  Success: 0,
  RunFailed: 1,
  Usage: 2,
  Damage: 3,
  LockoutNotUndone: 4,
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

/** The run failed; earlier snapshots are untouched: exit 1. */
export class RunFailedError extends AppError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.RunFailed, hint, options);
  }
}

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
