import { spawn } from 'node:child_process';
import type { OffsiteConfig } from '../config/schema';
import { type AppError, ConfigError, RunFailedError, UsageError, errnoCode } from '../errors';
import { type ResticEnvironment, resticEnvironment, scrubSecrets } from './environment';

/**
 * Runs restic: stdin closed (with no password source restic would wait on stdin), the environment
 * from ./environment, a time limit on every call (restic 0.18+ retries an unreachable repository for
 * up to 15 minutes), stdout split into lines. Exit codes of 0.14 (1 for nearly everything, told apart
 * by the message) and 0.17+ (10 no repository, 11 locked, 12 wrong password) map to one failure kind.
 */
export interface ResticCall {
  args: string[];
  /** Working directory (push runs inside the snapshot folder). */
  cwd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Each stdout line as it arrives; when given, stdout is not kept in the outcome. */
  onStdoutLine?: (line: string) => void;
}

export interface ResticOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last 64 KiB of stderr, secrets scrubbed. */
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** The call's time limit (for the message when it ran out). */
  timeoutMs: number;
}

export interface Restic {
  run(call: ResticCall): Promise<ResticOutcome>;
  /** The outcome as an AppError (UsageError for a wrong password, RunFailedError otherwise). */
  failure(what: string, outcome: ResticOutcome): AppError;
  scrub(text: string): string;
  readonly repositoryLabel: string;
  readonly executable: string;
}

export type ResticFailureKind =
  | 'wrong-password'
  | 'no-repository'
  | 'unreachable'
  | 'locked'
  | 'timeout'
  | 'interrupted'
  | 'partial'
  | 'other';

/** Calls other than push and check: listing snapshots, unlock, init, version. */
export const CALL_TIMEOUT_MS = 10 * 60_000;
const STDERR_KEEP = 64 * 1024;
/** restic's SIGINT warning carries ESC[2K even when stderr is a file. */
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');
const KILL_GRACE_MS = 10_000;

const UNREACHABLE =
  /connection refused|no such host|dial tcp|i\/o timeout|network is unreachable|connection reset|tls handshake|x509|certificate|context deadline exceeded|server misbehaving/i;

/** Which failure an outcome is, for restic 0.14 (messages) and 0.17+ (codes). Pure. */
export function classifyFailure(outcome: Pick<ResticOutcome, 'code' | 'stderr' | 'timedOut'>): ResticFailureKind {
  const { code, stderr } = outcome;
  if (outcome.timedOut) return 'timeout';
  if (code === 12 || /wrong password|no key found/i.test(stderr)) return 'wrong-password';
  if (UNREACHABLE.test(stderr)) return 'unreachable';
  if (code === 10 || /unable to open config file|Is there a repository at the following location/i.test(stderr))
    return 'no-repository';
  if (code === 11 || /repository is already locked|unable to create lock/i.test(stderr)) return 'locked';
  if (code === 130) return 'interrupted';
  if (code === 3) return 'partial';
  return 'other';
}

/** The last few meaningful lines of stderr (restic's `Fatal: …`), for a message. */
export function lastLines(stderr: string, count = 3): string {
  return stderr
    .replace(ANSI_ESCAPE, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('{'))
    .slice(-count)
    .join(' / ');
}

export function failureError(what: string, outcome: ResticOutcome, repositoryLabel: string): AppError {
  const detail = lastLines(outcome.stderr) || `restic exited with code ${outcome.code ?? outcome.signal}`;
  switch (classifyFailure(outcome)) {
    case 'wrong-password':
      return new UsageError(
        `${what}: the password in offsite.passwordFile does not open ${repositoryLabel} (wrong password or no key found)`,
        'put the repository password (the one given to "offsite init") in offsite.passwordFile',
      );
    case 'no-repository':
      return new RunFailedError(
        `${what}: there is no restic repository at ${repositoryLabel} (${detail})`,
        'run "avimark-backup offsite init --config …" once to create it, or check offsite.repository',
      );
    case 'unreachable':
      return new RunFailedError(
        `${what}: the offsite repository ${repositoryLabel} cannot be reached (${detail})`,
        'check the network, the server and the keys in offsite.environmentFile; the next run retries',
      );
    case 'locked':
      return new RunFailedError(
        `${what}: the offsite repository is locked by another restic (${detail})`,
        'if no other restic is running, "restic unlock" removes a stale lock; the next run does it by itself',
      );
    case 'timeout':
      return new RunFailedError(
        `${what}: restic did not finish within ${Math.max(1, Math.round(outcome.timeoutMs / 60_000))} minute(s) and was stopped`,
        'the next run resumes from what was uploaded; raise offsite.timeLimitMinutes for a slow link',
      );
    case 'interrupted':
      return new RunFailedError(`${what}: restic was interrupted`, 'run it again; it resumes');
    case 'partial':
      return new RunFailedError(`${what}: restic could not read some files (${detail})`, 'see the log for which');
    default:
      return new RunFailedError(`${what}: restic failed (exit ${outcome.code ?? outcome.signal}): ${detail}`);
  }
}

function notFound(executable: string): ConfigError {
  return new ConfigError(
    'offsite.restic',
    `${executable} was not found or cannot be run`,
    'install restic (docs/offsite.md) and set offsite.restic to the full path of restic.exe',
  );
}

function runProcess(executable: string, environment: ResticEnvironment, call: ResticCall): Promise<ResticOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, call.args, {
      cwd: call.cwd,
      env: environment.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let pending = '';
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill('SIGINT');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, call.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    call.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!call.onStdoutLine) {
        stdout += chunk;
        return;
      }
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) call.onStdoutLine(line.replace(/\r$/, ''));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      reject(errnoCode(err) === 'ENOENT' || errnoCode(err) === 'EACCES' ? notFound(executable) : err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      call.signal?.removeEventListener('abort', onAbort);
      if (pending.trim() && call.onStdoutLine) call.onStdoutLine(pending);
      resolve({
        code,
        signal,
        stdout,
        stderr: scrubSecrets(stderr, environment.secrets),
        timedOut,
        aborted,
        timeoutMs: call.timeoutMs,
      });
    });
  });
}

/** A restic runner for the configured repository (reads the password and environment files once). */
export async function openRestic(offsite: OffsiteConfig, stateDir: string): Promise<Restic> {
  const environment = await resticEnvironment(offsite, stateDir);
  const executable = offsite.restic;
  return {
    executable,
    repositoryLabel: environment.repositoryLabel,
    run: (call) => runProcess(executable, environment, call),
    failure: (what, outcome) => failureError(what, outcome, environment.repositoryLabel),
    scrub: (text) => scrubSecrets(text, environment.secrets),
  };
}

/** Runs a call and returns stdout; any non-zero exit becomes the matching AppError. */
export async function runChecked(restic: Restic, what: string, call: ResticCall): Promise<string> {
  const outcome = await restic.run(call);
  if (outcome.code !== 0) throw restic.failure(what, outcome);
  return outcome.stdout;
}

export interface ResticVersion {
  text: string;
  major: number;
  minor: number;
  patch: number;
}

/** `restic version` → e.g. {0,14,0}; needs no repository. */
export async function resticVersion(restic: Restic): Promise<ResticVersion> {
  const out = await runChecked(restic, 'restic version', { args: ['version'], timeoutMs: 60_000 });
  const match = /restic (\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!match) throw new RunFailedError(`restic version printed something unexpected: ${out.trim().slice(0, 200)}`);
  return { text: match[0], major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}
