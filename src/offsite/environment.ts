import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeText } from '../config/load';
import type { OffsiteConfig } from '../config/schema';
import { ConfigError, errnoCode, errorMessage } from '../errors';

/**
 * restic's environment for one command: the repository, the password FILE (never the password),
 * the cache under our state folder and the backend keys of `offsite.environmentFile`. Secrets reach
 * restic only through this environment and the password file: never argv, never a log line.
 */
export interface ResticEnvironment {
  env: NodeJS.ProcessEnv;
  /** Values that must never be shown (password, backend keys): scrubbed from anything we print. */
  secrets: string[];
  /** How messages name the repository (its URL, or "the repository of offsite.environmentFile"). */
  repositoryLabel: string;
}

/** Inherited variables that would override or conflict with ours (restic: file + command = fatal). */
const DROPPED = [
  'RESTIC_PASSWORD',
  'RESTIC_PASSWORD_COMMAND',
  'RESTIC_PASSWORD_FILE',
  'RESTIC_REPOSITORY',
  'RESTIC_REPOSITORY_FILE',
  'RESTIC_KEY_HINT',
];
/** The password comes from offsite.passwordFile only. */
const REFUSED_KEYS = new Set(['RESTIC_PASSWORD', 'RESTIC_PASSWORD_COMMAND', 'RESTIC_PASSWORD_FILE']);
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function resticCacheDir(stateDir: string): string {
  return path.join(stateDir, 'restic-cache');
}

/** KEY=VALUE lines; blank lines and `#` comments ignored; optional quotes around the value. Pure. */
export function parseEnvironmentText(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = (eq > 0 ? line.slice(0, eq) : '').trim().replace(/^export\s+/, '');
    // The value is never quoted back: a secret must not appear in an error message.
    if (!KEY.test(key)) {
      throw new ConfigError('offsite.environmentFile', `line ${index + 1} is not KEY=VALUE (e.g. B2_ACCOUNT_ID=…)`);
    }
    if (REFUSED_KEYS.has(key.toUpperCase())) {
      throw new ConfigError(
        'offsite.environmentFile',
        `line ${index + 1} sets ${key}: the password comes from offsite.passwordFile only`,
      );
    }
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
      value = value.slice(1, -1);
    }
    result.set(key, value);
  });
  return result;
}

async function readSecretFile(file: string, field: string): Promise<string> {
  try {
    return decodeText(await readFile(file));
  } catch (err) {
    const code = errnoCode(err);
    const why =
      code === 'ENOENT'
        ? `${file} does not exist`
        : code === 'EACCES' || code === 'EPERM'
          ? `${file} cannot be read by this account (run as SYSTEM or an administrator)`
          : `${file} cannot be read (${errorMessage(err)})`;
    throw new ConfigError(field, why);
  }
}

/** Builds restic's environment from the config; a ConfigError names the field when a file is wrong. */
export async function resticEnvironment(
  offsite: OffsiteConfig,
  stateDir: string,
  base: NodeJS.ProcessEnv = process.env,
): Promise<ResticEnvironment> {
  const password = (await readSecretFile(offsite.passwordFile, 'offsite.passwordFile')).replace(/^\uFEFF/, '').trim();
  if (password === '') throw new ConfigError('offsite.passwordFile', `${offsite.passwordFile} is empty`);
  const keys = offsite.environmentFile
    ? parseEnvironmentText(await readSecretFile(offsite.environmentFile, 'offsite.environmentFile'))
    : new Map<string, string>();
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of Object.keys(env)) if (DROPPED.includes(name.toUpperCase())) delete env[name];
  for (const [key, value] of keys) env[key] = value;
  const fromFile = keys.has('RESTIC_REPOSITORY');
  if (!fromFile) env.RESTIC_REPOSITORY = offsite.repository;
  env.RESTIC_PASSWORD_FILE = offsite.passwordFile;
  env.RESTIC_CACHE_DIR = resticCacheDir(stateDir);
  // A status line a second is plenty for progress and keeps the pipe quiet.
  env.RESTIC_PROGRESS_FPS = '1';
  const secrets = [password, ...[...keys.values()].filter((v) => v.length >= 4)];
  return {
    env,
    secrets,
    repositoryLabel: fromFile ? 'the repository set in offsite.environmentFile' : offsite.repository,
  };
}

/** Replaces every secret (and any user:password@ in a URL) in text. Pure. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(/(\/\/[^/@\s:]*):[^/@\s]*@/g, '$1:***@');
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}
