import path from 'node:path';
import * as z from '../validation';

/**
 * One source of truth for the configuration: validation, defaults, the AVImark profile
 * (the defaults below) and the editor JSON Schema (`schema/config.schema.json`, generated).
 * Each section is owned by the part of the code that reads it.
 */

const nonEmpty = () => z.string().check(z.minLength(1, 'must not be empty'));
const flag = (value: boolean) => z._default(z.boolean(), value);
/** A whole number with its checks and default (zod's int: a safe integer). */
const wholeNumber = (value: number, ...checks: z.core.$ZodCheck<number>[]) =>
  z._default(z.int().check(...checks), value);
const zeroOrMore = () => z.nonnegative('must be zero or more');
const moreThanZero = () => z.positive('must be more than zero');

const absolutePath = nonEmpty().check(
  z.refine((p: string) => path.isAbsolute(p), { message: 'must be an absolute path (for example C:\\AVImark)' }),
);

const nameEntry = z.strictObject({
  name: nonEmpty(),
  /** A name that is not found on the server is an error unless optional. */
  optional: flag(false),
});

const executableEntry = z.strictObject({
  path: absolutePath,
  optional: flag(false),
});

export const lockoutSchema = z.strictObject({
  share: z._default(
    z.nullable(
      z.strictObject({
        name: nonEmpty(),
        optional: flag(false),
        /** sddl: swap the share ACL for a deny-all one (keeps every other setting); remove: remove and re-create. */
        method: z._default(z.enum(['sddl', 'remove']), 'sddl'),
      }),
    ),
    { name: 'AVImark', optional: false, method: 'sddl' },
  ),
  services: z._default(z.array(nameEntry), [{ name: 'AVImarkServer', optional: false }]),
  processes: z._default(z.array(nameEntry), [
    { name: 'avimark', optional: false },
    { name: 'AVImarkGuardian', optional: true },
  ]),
  /** Renamed to block relaunch during the window. Default: avimark.exe in the source folder. */
  executables: z.optional(z.array(executableEntry)),
  warnMinutes: z._default(z.array(z.number().check(zeroOrMore())), [10, 5, 1]),
  warnMessage: z._default(
    z.string(),
    'AVImark will close in {minutes} minute(s) for the nightly backup. Please save your work. It will be back by {backBy}.',
  ),
  backMessage: z._default(z.string(), 'The nightly backup is done: AVImark is available again.'),
  gracePeriodSeconds: wholeNumber(60, zeroOrMore()),
  serviceTimeoutSeconds: wholeNumber(120, moreThanZero()),
  /** Watchdog: the longest AVImark may stay locked out. */
  maxLockoutMinutes: z._default(z.number().check(moreThanZero()), 30),
  /** recover (the startup task, the safety net): how long to wait for a server that does not answer yet (boot). */
  recoverWaitMinutes: z._default(z.number().check(zeroOrMore(), z.lte(60, 'must be at most 60')), 5),
});

export const engineSchema = z.strictObject({
  checksum: flag(false),
  /** Files at least this big resume mid-file after an interruption. */
  largeFileBytes: wholeNumber(64 * 1024 * 1024, z.positive()),
  concurrency: wholeNumber(4, z.gte(1), z.lte(64)),
  retries: wholeNumber(5, z.gte(0), z.lte(20)),
  retryMinTimeoutMs: wholeNumber(200, z.nonnegative()),
  retryMaxTimeMs: wholeNumber(60_000, z.positive()),
  /** How many times a file that changes while being read is re-read before the run fails. */
  unstableRetries: wholeNumber(3, z.gte(0), z.lte(20)),
  /** Glob-free relative paths (or folder prefixes) to leave out, e.g. "Backup". */
  exclude: z._default(z.array(z.string().check(z.minLength(1))), []),
});

export const retentionSchema = z.strictObject({
  keepLast: wholeNumber(7, z.nonnegative()),
  keepDaily: wholeNumber(14, z.nonnegative()),
  keepWeekly: wholeNumber(8, z.nonnegative()),
  keepMonthly: wholeNumber(12, z.nonnegative()),
  /** Prune automatically after each successful backup. */
  auto: flag(true),
});

export const vssSchema = z.strictObject({
  /** When the shadow copy cannot be taken (after retrying): offline = copy under the same lockout instead (mode auto only); fail = give back and fail. */
  onFailure: z._default(z.enum(['offline', 'fail']), 'offline'),
  /** How long a transiently failing shadow copy (another one in progress, provider failure) is tried again. */
  retrySeconds: wholeNumber(60, zeroOrMore()),
});

export const verifySchema = z.strictObject({
  /** After each backup: none, the files copied this run, a random sample, or everything. */
  after: z._default(z.enum(['none', 'copied', 'sample', 'all']), 'copied'),
  samplePercent: z._default(z.number().check(z.gt(0), z.lte(100)), 5),
  /** Rolling scrub: every file of every kept snapshot is re-hashed at least once in this many days. */
  scrubDays: wholeNumber(30, z.gte(1, 'must be 1 or more'), z.lte(365, 'must be at most 365')),
});

/** A percentage above 0 and at most 100. */
const percent = (value: number) =>
  z._default(z.number().check(z.gt(0, 'must be more than 0'), z.lte(100, 'must be at most 100')), value);

/** Defences of the snapshots (src/guard): a shrunken source and ransomware never become the good backup. */
export const ransomwareSchema = z.strictObject({
  changedSameSizePercent: percent(25),
  incompressiblePercent: percent(50),
  minFiles: wholeNumber(20, z.gte(1, 'must be 1 or more')),
  sampleFiles: wholeNumber(24, zeroOrMore(), z.lte(1000, 'must be at most 1000')),
  sampleBytes: wholeNumber(16 * 1024 * 1024, zeroOrMore()),
  extensions: z._default(
    z.array(z.string().check(z.regex(/^\.[^\\/.\s]+$/, 'must be an extension with its dot, e.g. ".xyz"'))),
    [],
  ),
});

export const guardSchema = z.strictObject({
  maxShrinkPercent: percent(50),
  ransomware: z._default(ransomwareSchema, () => ransomwareSchema.parse({})),
});

export const loggingSchema = z.strictObject({
  /** Default: <stateDir>/logs. */
  dir: z.optional(absolutePath),
  keepDays: wholeNumber(60, z.positive()),
  level: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
});

export const powershellSchema = z.strictObject({
  /** powershell = Windows PowerShell 5.1 (always present on Windows); pwsh = PowerShell 7; or a full path. */
  executable: z._default(z.string().check(z.minLength(1)), process.platform === 'win32' ? 'powershell' : 'pwsh'),
  callTimeoutSeconds: wholeNumber(120, z.positive()),
});

export const emailSchema = z.strictObject({
  host: z.string().check(z.minLength(1)),
  port: wholeNumber(587, z.gte(1), z.lte(65535)),
  /** tls = implicit TLS (465); starttls = upgrade (587); none = plain (loopback only). */
  security: z._default(z.enum(['starttls', 'tls', 'none']), 'starttls'),
  user: z.optional(z.string()),
  /** Name of the environment variable that holds the password. */
  passwordEnv: z.optional(z.string()),
  /** Path of a file (ACL-protected) whose first line is the password. */
  passwordFile: z.optional(absolutePath),
  /** PEM file of a certificate authority to trust for the SMTP server (a private CA or self-signed server). */
  caFile: z.optional(absolutePath),
  from: z.string().check(z.minLength(3)),
  to: z.array(z.string().check(z.minLength(3))).check(z.minLength(1, 'needs at least one recipient')),
  onSuccess: flag(false),
});

export const alertsSchema = z.strictObject({
  eventLog: z._default(
    z.strictObject({
      enabled: flag(true),
      source: z._default(z.string().check(z.minLength(1)), 'avimark-backup'),
    }),
    { enabled: true, source: 'avimark-backup' },
  ),
  email: z._default(z.nullable(emailSchema), null),
});

export const drillSchema = z.strictObject({
  /** Relative paths that must exist in a restored snapshot for AVImark to start. */
  requiredFiles: z._default(z.array(z.string().check(z.minLength(1))), [
    'CLIENT.V2$',
    'ANIMAL.V2$',
    'TREAT.V2$',
    'AVImark.db$',
  ]),
  /** Run against the restored folder; its exit code is the verdict. {dir} is replaced by the folder. */
  command: z._default(
    z.nullable(
      z.array(z.string().check(z.minLength(1))).check(
        z.minLength(1, 'needs at least the program'),
        // It runs as SYSTEM with the restored folder as working directory: a bare name could resolve to a
        // program planted in that folder through the share.
        z.refine((argv: string[]) => path.isAbsolute(argv[0]), {
          message: 'the program (first element) must be an absolute path, e.g. C:\\Tools\\check.exe',
        }),
      ),
    ),
    null,
  ),
  /** The command is stopped (and the drill fails) when it runs longer than this. */
  commandTimeoutMinutes: z._default(z.number().check(moreThanZero()), 60),
});

/** Offsite copies through restic (src/offsite); null = no offsite copy. */
const credentialsInUrl = /^[a-z0-9]+:[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;

export const offsiteRetentionSchema = z.union([
  z.literal('append-only'),
  z
    .strictObject({
      keepDaily: wholeNumber(14, zeroOrMore()),
      keepWeekly: wholeNumber(8, zeroOrMore()),
      keepMonthly: wholeNumber(12, zeroOrMore()),
    })
    .check(
      z.refine(
        (r: { keepDaily: number; keepWeekly: number; keepMonthly: number }) =>
          r.keepDaily + r.keepWeekly + r.keepMonthly > 0,
        {
          message: 'keeps nothing: set keepDaily, keepWeekly or keepMonthly above zero, or use "append-only"',
        },
      ),
    ),
]);

export const offsiteSchema = z.strictObject({
  /** restic's executable, installed separately (never bundled). Absolute: a bare name could run a planted program. */
  restic: absolutePath,
  repository: nonEmpty().check(
    z.refine((r: string) => !credentialsInUrl.test(r), {
      message:
        'must not contain a user name and password: put RESTIC_REPOSITORY (or RESTIC_REST_USERNAME/RESTIC_REST_PASSWORD) in the environmentFile',
    }),
  ),
  passwordFile: absolutePath,
  environmentFile: z.optional(absolutePath),
  everyNights: wholeNumber(1, z.gte(1, 'must be 1 or more')),
  timeLimitMinutes: z._default(z.number().check(moreThanZero()), 240),
  retention: z._default(offsiteRetentionSchema, 'append-only'),
  scrubDays: wholeNumber(30, z.gte(1, 'must be 1 or more')),
  maxAgeDays: z._default(z.number().check(moreThanZero()), 3),
});

export const configSchema = z.strictObject({
  $schema: z.optional(z.string()),
  /** The live AVImark folder. */
  source: absolutePath,
  /** Where snapshots go. Must not be inside the source, nor contain it. */
  destination: absolutePath,
  /** Journal, run lock and logs. Default: %ProgramData%\avimark-backup on Windows. */
  stateDir: z.optional(absolutePath),
  /** auto = vss where shadow copies work on the source volume, else presync. */
  mode: z._default(z.enum(['auto', 'vss', 'presync', 'offline']), 'auto'),
  lockout: z._default(lockoutSchema, () => lockoutSchema.parse({})),
  vss: z._default(vssSchema, () => vssSchema.parse({})),
  engine: z._default(engineSchema, () => engineSchema.parse({})),
  retention: z._default(retentionSchema, () => retentionSchema.parse({})),
  verify: z._default(verifySchema, () => verifySchema.parse({})),
  guard: z._default(guardSchema, () => guardSchema.parse({})),
  logging: z._default(loggingSchema, () => loggingSchema.parse({})),
  powershell: z._default(powershellSchema, () => powershellSchema.parse({})),
  alerts: z._default(alertsSchema, () => alertsSchema.parse({})),
  drill: z._default(drillSchema, () => drillSchema.parse({})),
  offsite: z._default(z.nullable(offsiteSchema), null),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type LockoutConfig = Config['lockout'];
export type EngineConfig = Config['engine'];
export type RetentionConfig = Config['retention'];
export type GuardConfig = Config['guard'];
export type RansomwareConfig = GuardConfig['ransomware'];
export type OffsiteConfig = z.output<typeof offsiteSchema>;
