import { readFile } from 'node:fs/promises';
import path from 'node:path';
// The package's UMD entry hides its require() calls from esbuild (they would fail at run time in the
// bundle); its ES module build bundles cleanly.
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser/lib/esm/main.js';
import * as z from '../validation';
import { ConfigError, errnoCode, errorMessage } from '../errors';
import { type Config, configSchema } from './schema';

/** One thing wrong with a configuration: the field's full path and what is expected there. */
export interface ConfigProblem {
  field: string;
  problem: string;
}

/** Every problem found in one configuration, listed together so the admin can fix them in one go. */
export class InvalidConfigError extends ConfigError {
  constructor(
    readonly origin: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems[0].field, problems[0].problem, 'fix the field(s) named above and run the command again');
    this.message =
      problems.length === 1
        ? `${origin}: ${problems[0].field}: ${problems[0].problem}`
        : `${origin}: ${problems.length} problems:\n${problems.map((p) => `  - ${p.field}: ${p.problem}`).join('\n')}`;
  }
}

/**
 * The configuration with every default filled in, including those that depend on other fields.
 * Store-only commands (list, verify, restore, prune) may run without a source: see `StoreSettings`.
 */
export type Settings = Omit<Config, 'stateDir' | 'logging' | 'lockout'> & {
  stateDir: string;
  logging: Config['logging'] & { dir: string };
  lockout: Config['lockout'] & { executables: NonNullable<Config['lockout']['executables']> };
  /** The file the settings came from; null when they came from command-line flags only. */
  configFile: string | null;
};

export type StoreSettings = Omit<Settings, 'source'> & { source: string | null };

export interface SettingsContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

const defaultContext: SettingsContext = { platform: process.platform, env: process.env };

/** Reads, parses (JSON with comments), validates and completes a configuration file. */
export async function loadConfig(file: string, context: SettingsContext = defaultContext): Promise<Settings> {
  const raw = await readConfigFile(file);
  return settingsFromInput(raw, path.resolve(file), context);
}

/** The parsed (not yet validated) content of a config file; errors name the file, line and column. */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = decodeText(await readFile(file));
  } catch (err) {
    const code = errnoCode(err);
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${errorMessage(err)})`;
    throw new InvalidConfigError(file, [{ field: '(file)', problem: why }]);
  }
  return parseConfigText(text, file);
}

/**
 * UTF-8 (with or without BOM) or UTF-16 with BOM: Windows PowerShell 5.1 writes UTF-16LE when an
 * admin redirects output (`avimark-backup init --out - > config.jsonc`).
 */
export function decodeText(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return bytes.toString('utf8');
}

export function parseConfigText(text: string, origin: string): unknown {
  const errors: ParseError[] = [];
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const value: unknown = parseJsonc(withoutBom, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    throw new InvalidConfigError(
      origin,
      errors.slice(0, 5).map((e) => {
        const { line, column } = lineAndColumn(withoutBom, e.offset);
        return { field: `(line ${line}, column ${column})`, problem: `not valid JSON: ${describeParseError(e)}` };
      }),
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidConfigError(origin, [{ field: '(root)', problem: 'must be a JSON object { ... }' }]);
  }
  const escapes = escapedPathProblems(value, []);
  if (escapes.length > 0) throw new InvalidConfigError(origin, escapes);
  return value;
}

/** The JSON escapes a single backslash in a Windows path turns into a control character: "D:\new" holds a newline. */
const ESCAPES: Readonly<Record<string, string>> = {
  '\n': 'n',
  '\t': 't',
  '\r': 'r',
  '\b': 'b',
  '\f': 'f',
};

/** Looks like a path: a drive letter, a backslash or a slash. Messages (e.g. lockout.backMessage) may hold newlines. */
const PATH_LIKE = /^[A-Za-z]:|[\\/]/;

/**
 * Paths in which a JSON escape changed a backslash and the letter after it into a control character
 * ("D:\new", "C:\tmp"), each named with the escape and how to write it instead.
 */
export function escapedPathProblems(value: unknown, at: readonly PropertyKey[]): ConfigProblem[] {
  if (typeof value === 'string') {
    const found = [...value].find((c) => ESCAPES[c] !== undefined);
    if (found === undefined || !PATH_LIKE.test(value)) return [];
    const letter = ESCAPES[found];
    const written = value.replace(/[\n\t\r\b\f]/g, (c) => `\\${ESCAPES[c]}`);
    const doubled = written.replace(/\\/g, '\\\\');
    const slashed = written.replace(/\\/g, '/');
    return [
      {
        field: formatFieldPath(at),
        problem: `"\\${letter}" in this path is a JSON escape (a ${CONTROL_NAMES[letter]}), not a backslash and "${letter}": write "${doubled}" or "${slashed}"`,
      },
    ];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => escapedPathProblems(v, [...at, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => escapedPathProblems(v, [...at, k]));
  }
  return [];
}

const CONTROL_NAMES: Readonly<Record<string, string>> = {
  n: 'newline',
  t: 'tab',
  r: 'carriage return',
  b: 'backspace',
  f: 'form feed',
};

/** Validates raw input with the schema, then applies the checks and defaults that involve several fields. */
export function settingsFromInput(
  raw: unknown,
  configFile: string | null,
  context: SettingsContext = defaultContext,
): Settings {
  const result = configSchema.safeParse(raw);
  if (!result.success)
    throw new InvalidConfigError(configFile ?? 'command line', describeIssues(result.error.issues, raw));
  return completeSettings(result.data, configFile, context) as Settings;
}

const storeConfigSchema = z.extend(configSchema, { source: z.optional(configSchema.shape.source) });

/** Like `settingsFromInput`, for commands that only read or tend the store: the source may be absent. */
export function storeSettingsFromInput(
  raw: unknown,
  configFile: string | null,
  context: SettingsContext = defaultContext,
): StoreSettings {
  const result = storeConfigSchema.safeParse(raw);
  if (!result.success)
    throw new InvalidConfigError(configFile ?? 'command line', describeIssues(result.error.issues, raw));
  return completeSettings(result.data, configFile, context);
}

function completeSettings(
  config: Omit<Config, 'source'> & { source?: string },
  configFile: string | null,
  context: SettingsContext,
): StoreSettings {
  const source = config.source ?? null;
  if (source !== null) {
    const problems = overlapProblems(source, config.destination, context.platform);
    if (problems.length > 0) throw new InvalidConfigError(configFile ?? 'command line', problems);
  }
  const budget = lockoutBudgetProblems(config.lockout);
  if (budget.length > 0) throw new InvalidConfigError(configFile ?? 'command line', budget);
  const pathApi = context.platform === 'win32' ? path.win32 : path.posix;
  const stateDir = config.stateDir ?? defaultStateDir(context);
  const defaultExecutables = source === null ? [] : [{ path: pathApi.join(source, 'avimark.exe'), optional: false }];
  return {
    ...config,
    source,
    stateDir,
    logging: { ...config.logging, dir: config.logging.dir ?? pathApi.join(stateDir, 'logs') },
    lockout: { ...config.lockout, executables: config.lockout.executables ?? defaultExecutables },
    configFile,
  };
}

/**
 * The configured waits that run one after another inside the lockout before the copy can start, at their
 * worst: the grace period (AVImark asked to close), then each service's stop, one after another, each up
 * to `serviceTimeoutSeconds`. If they alone reach `maxLockoutMinutes`, the watchdog could fire before any
 * copy: refuse the config. (The watchdog still cuts a step short whatever the config says.)
 */
export function lockoutBudgetProblems(lockout: Config['lockout']): ConfigProblem[] {
  const services = lockout.services.length;
  const worstSeconds = lockout.gracePeriodSeconds + services * lockout.serviceTimeoutSeconds;
  const limitSeconds = lockout.maxLockoutMinutes * 60;
  if (worstSeconds < limitSeconds) return [];
  const serviceWords =
    services === 1
      ? `lockout.serviceTimeoutSeconds (${lockout.serviceTimeoutSeconds})`
      : `${services} services × lockout.serviceTimeoutSeconds (${lockout.serviceTimeoutSeconds})`;
  return [
    {
      field: 'lockout.maxLockoutMinutes',
      problem:
        `${lockout.maxLockoutMinutes} minute(s) (${limitSeconds} s) leaves no time for the copy: ` +
        `lockout.gracePeriodSeconds (${lockout.gracePeriodSeconds}) + ${serviceWords} = ${worstSeconds} s ` +
        'run before it; raise lockout.maxLockoutMinutes or lower those timeouts',
    },
  ];
}

/** %ProgramData%\avimark-backup on Windows, /var/lib/avimark-backup elsewhere; AVIMARK_BACKUP_STATE_DIR overrides both. */
export function defaultStateDir(context: SettingsContext = defaultContext): string {
  const override = context.env.AVIMARK_BACKUP_STATE_DIR;
  if (override) return override;
  if (context.platform === 'win32') {
    return path.win32.join(context.env.ProgramData ?? context.env.PROGRAMDATA ?? 'C:\\ProgramData', 'avimark-backup');
  }
  return '/var/lib/avimark-backup';
}

/** True when `inner` is `outer` or lies inside it (resolved; case-insensitive on Windows). */
export function isSameOrInside(inner: string, outer: string, platform: NodeJS.Platform = process.platform): boolean {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const fold = (p: string) => (platform === 'win32' ? pathApi.resolve(p).toLowerCase() : pathApi.resolve(p));
  const rel = pathApi.relative(fold(outer), fold(inner));
  return rel === '' || (!rel.startsWith('..') && !pathApi.isAbsolute(rel));
}

export function overlapProblems(source: string, destination: string, platform: NodeJS.Platform): ConfigProblem[] {
  if (isSameOrInside(destination, source, platform) && isSameOrInside(source, destination, platform)) {
    return [{ field: 'destination', problem: `is the same folder as source (${source}); snapshots must go elsewhere` }];
  }
  if (isSameOrInside(destination, source, platform)) {
    return [
      { field: 'destination', problem: `is inside source (${source}); snapshots would be backed up into themselves` },
    ];
  }
  if (isSameOrInside(source, destination, platform)) {
    return [
      { field: 'destination', problem: `contains source (${source}); choose a destination outside the AVImark folder` },
    ];
  }
  return [];
}

/** `['lockout','services',0,'name']` → `lockout.services[0].name`. */
export function formatFieldPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      out += /^[A-Za-z_$][\w$]*$/.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out || '(root)';
}

function describeIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          field: formatFieldPath([...issue.path, key]),
          problem: 'is not a known field (check the spelling)',
        });
      }
      continue;
    }
    problems.push({ field: formatFieldPath(issue.path), problem: describeIssue(issue, valueAt(raw, issue.path)) });
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `is required (expected ${article(issue.expected)})`;
      return `expected ${article(issue.expected)}, got ${describeValue(value)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(value)}`;
    case 'invalid_union':
      return `has the wrong form (got ${describeValue(value)})`;
    case 'too_small':
    case 'too_big':
    case 'not_multiple_of':
    case 'invalid_format':
    case 'custom':
      return withValue(humanize(issue.message), value);
    default:
      return issue.message;
  }
}

function humanize(message: string): string {
  // zod's own wording starts with "Too small: expected number to be >=0"; keep ours ("must be ...") unchanged.
  return message.replace(/^Too (small|big): /, '').replace(/^Invalid input: /, '');
}

function withValue(problem: string, value: unknown): string {
  return value === undefined ? problem : `${problem} (got ${describeValue(value)})`;
}

function article(expected: string): string {
  if (expected === 'array') return 'a list [...]';
  if (expected === 'object') return 'an object {...}';
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, parts: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const part of parts) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function describeParseError(error: ParseError): string {
  const names: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'badly formed number',
    PropertyNameExpected: 'expected a "field name" in double quotes',
    ValueExpected: 'expected a value',
    ColonExpected: 'expected ":"',
    CommaExpected: 'expected "," between entries',
    CloseBraceExpected: 'expected "}"',
    CloseBracketExpected: 'expected "]"',
    EndOfFileExpected: 'unexpected text after the end',
    InvalidCommentToken: 'badly formed comment',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'bad \\u escape',
    InvalidEscapeCharacter: 'bad escape (in a string, write a backslash as \\\\)',
    InvalidCharacter: 'character not allowed in a string',
  };
  const code = printParseErrorCode(error.error);
  return names[code] ?? code;
}
