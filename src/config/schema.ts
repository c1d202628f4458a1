import path from 'node:path';
import { z } from 'zod';

/**
 * One source of truth for the configuration: validation, defaults, the AVImark profile
 * (the defaults below) and the editor JSON Schema (`schema/config.schema.json`, generated).
 * Each section is owned by the part of the code that reads it.
 */

const absolutePath = z
  .string()
  .min(1, 'must not be empty')
  .refine((p) => path.isAbsolute(p), { message: 'must be an absolute path (for example C:\\AVImark)' });

const nameEntry = z
  .object({
    name: z.string().min(1, 'must not be empty'),
    /** A name that is not found on the server is an error unless optional. */
    optional: z.boolean().default(false),
  })
  .strict();

const executableEntry = z
  .object({
    path: absolutePath,
    optional: z.boolean().default(false),
  })
  .strict();

export const lockoutSchema = z
  .object({
    share: z
      .object({
        name: z.string().min(1, 'must not be empty'),
        optional: z.boolean().default(false),
        /** sddl: swap the share ACL for a deny-all one (keeps every other setting); remove: remove and re-create. */
        method: z.enum(['sddl', 'remove']).default('sddl'),
      })
      .strict()
      .nullable()
      .default({ name: 'AVImark', optional: false, method: 'sddl' }),
    services: z.array(nameEntry).default([{ name: 'AVImarkServer', optional: false }]),
    processes: z.array(nameEntry).default([
      { name: 'avimark', optional: false },
      { name: 'AVImarkGuardian', optional: true },
    ]),
    /** Renamed to block relaunch during the window. Default: avimark.exe in the source folder. */
    executables: z.array(executableEntry).optional(),
    warnMinutes: z.array(z.number().nonnegative('must be zero or more')).default([10, 5, 1]),
    warnMessage: z
      .string()
      .default(
        'AVImark will close in {minutes} minute(s) for the nightly backup. Please save your work. It will be back by {backBy}.',
      ),
    backMessage: z.string().default('The nightly backup is done: AVImark is available again.'),
    gracePeriodSeconds: z.number().int().nonnegative('must be zero or more').default(60),
    serviceTimeoutSeconds: z.number().int().positive('must be more than zero').default(120),
    /** Watchdog: the longest AVImark may stay locked out. */
    maxLockoutMinutes: z.number().positive('must be more than zero').default(30),
    /** recover (the startup task, the safety net): how long to wait for a server that does not answer yet (boot). */
    recoverWaitMinutes: z.number().min(0, 'must be zero or more').max(60, 'must be at most 60').default(5),
  })
  .strict();

export const engineSchema = z
  .object({
    checksum: z.boolean().default(false),
    /** Files at least this big resume mid-file after an interruption. */
    largeFileBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    concurrency: z.number().int().min(1).max(64).default(4),
    retries: z.number().int().min(0).max(20).default(5),
    retryMinTimeoutMs: z.number().int().nonnegative().default(200),
    retryMaxTimeMs: z.number().int().positive().default(60_000),
    /** How many times a file that changes while being read is re-read before the run fails. */
    unstableRetries: z.number().int().min(0).max(20).default(3),
    /** Glob-free relative paths (or folder prefixes) to leave out, e.g. "Backup". */
    exclude: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const retentionSchema = z
  .object({
    keepLast: z.number().int().nonnegative().default(7),
    keepDaily: z.number().int().nonnegative().default(14),
    keepWeekly: z.number().int().nonnegative().default(8),
    keepMonthly: z.number().int().nonnegative().default(12),
    /** Prune automatically after each successful backup. */
    auto: z.boolean().default(true),
  })
  .strict();

export const vssSchema = z
  .object({
    /** When the shadow copy cannot be taken (after retrying): offline = copy under the same lockout instead (mode auto only); fail = give back and fail. */
    onFailure: z.enum(['offline', 'fail']).default('offline'),
    /** How long a transiently failing shadow copy (another one in progress, provider failure) is tried again. */
    retrySeconds: z.number().int().min(0, 'must be zero or more').default(60),
  })
  .strict();

export const verifySchema = z
  .object({
    /** After each backup: none, the files copied this run, a random sample, or everything. */
    after: z.enum(['none', 'copied', 'sample', 'all']).default('copied'),
    samplePercent: z.number().gt(0).max(100).default(5),
    /** Rolling scrub: every file of every kept snapshot is re-hashed at least once in this many days. */
    scrubDays: z.number().int().min(1, 'must be 1 or more').max(365, 'must be at most 365').default(30),
  })
  .strict();

/** Defences of the snapshots (src/guard): a shrunken source and ransomware never become the good backup. */
export const ransomwareSchema = z
  .object({
    changedSameSizePercent: z.number().gt(0, 'must be more than 0').max(100, 'must be at most 100').default(25),
    incompressiblePercent: z.number().gt(0, 'must be more than 0').max(100, 'must be at most 100').default(50),
    minFiles: z.number().int().min(1, 'must be 1 or more').default(20),
    sampleFiles: z.number().int().min(0, 'must be zero or more').max(1000, 'must be at most 1000').default(24),
    sampleBytes: z
      .number()
      .int()
      .min(0, 'must be zero or more')
      .default(16 * 1024 * 1024),
    extensions: z
      .array(z.string().regex(/^\.[^\\/.\s]+$/, 'must be an extension with its dot, e.g. ".xyz"'))
      .default([]),
  })
  .strict();

export const guardSchema = z
  .object({
    maxShrinkPercent: z.number().gt(0, 'must be more than 0').max(100, 'must be at most 100').default(50),
    ransomware: ransomwareSchema.default(() => ransomwareSchema.parse({})),
  })
  .strict();

export const loggingSchema = z
  .object({
    /** Default: <stateDir>/logs. */
    dir: absolutePath.optional(),
    keepDays: z.number().int().positive().default(60),
    level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .strict();

export const powershellSchema = z
  .object({
    /** powershell = Windows PowerShell 5.1 (always present on Windows); pwsh = PowerShell 7; or a full path. */
    executable: z
      .string()
      .min(1)
      .default(process.platform === 'win32' ? 'powershell' : 'pwsh'),
    callTimeoutSeconds: z.number().int().positive().default(120),
  })
  .strict();

export const emailSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** tls = implicit TLS (465); starttls = upgrade (587); none = plain (loopback only). */
    security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    user: z.string().optional(),
    /** Name of the environment variable that holds the password. */
    passwordEnv: z.string().optional(),
    /** Path of a file (ACL-protected) whose first line is the password. */
    passwordFile: absolutePath.optional(),
    /** PEM file of a certificate authority to trust for the SMTP server (a private CA or self-signed server). */
    caFile: absolutePath.optional(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1, 'needs at least one recipient'),
    onSuccess: z.boolean().default(false),
  })
  .strict();

export const alertsSchema = z
  .object({
    eventLog: z
      .object({ enabled: z.boolean().default(true), source: z.string().min(1).default('avimark-backup') })
      .strict()
      .default({ enabled: true, source: 'avimark-backup' }),
    email: emailSchema.nullable().default(null),
  })
  .strict();

export const drillSchema = z
  .object({
    /** Relative paths that must exist in a restored snapshot for AVImark to start. */
    requiredFiles: z.array(z.string().min(1)).default(['CLIENT.V2$', 'ANIMAL.V2$', 'TREAT.V2$', 'AVImark.db$']),
    /** Run against the restored folder; its exit code is the verdict. {dir} is replaced by the folder. */
    command: z
      .array(z.string().min(1))
      .min(1, 'needs at least the program')
      // It runs as SYSTEM with the restored folder as working directory: a bare name could resolve to a
      // program planted in that folder through the share.
      .refine((argv) => path.isAbsolute(argv[0]), {
        message: 'the program (first element) must be an absolute path, e.g. C:\\Tools\\check.exe',
      })
      .nullable()
      .default(null),
    /** The command is stopped (and the drill fails) when it runs longer than this. */
    commandTimeoutMinutes: z.number().positive('must be more than zero').default(60),
  })
  .strict();

/** Offsite copies through restic (src/offsite); null = no offsite copy. */
const credentialsInUrl = /^[a-z0-9]+:[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;

export const offsiteRetentionSchema = z.union([
  z.literal('append-only'),
  z
    .object({
      keepDaily: z.number().int().nonnegative('must be zero or more').default(14),
      keepWeekly: z.number().int().nonnegative('must be zero or more').default(8),
      keepMonthly: z.number().int().nonnegative('must be zero or more').default(12),
    })
    .strict()
    .refine((r) => r.keepDaily + r.keepWeekly + r.keepMonthly > 0, {
      message: 'keeps nothing: set keepDaily, keepWeekly or keepMonthly above zero, or use "append-only"',
    }),
]);

export const offsiteSchema = z
  .object({
    /** restic's executable, installed separately (never bundled). Absolute: a bare name could run a planted program. */
    restic: absolutePath,
    repository: z
      .string()
      .min(1, 'must not be empty')
      .refine((r) => !credentialsInUrl.test(r), {
        message:
          'must not contain a user name and password: put RESTIC_REPOSITORY (or RESTIC_REST_USERNAME/RESTIC_REST_PASSWORD) in the environmentFile',
      }),
    passwordFile: absolutePath,
    environmentFile: absolutePath.optional(),
    everyNights: z.number().int().min(1, 'must be 1 or more').default(1),
    timeLimitMinutes: z.number().positive('must be more than zero').default(240),
    retention: offsiteRetentionSchema.default('append-only'),
    scrubDays: z.number().int().min(1, 'must be 1 or more').default(30),
    maxAgeDays: z.number().positive('must be more than zero').default(3),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    /** The live AVImark folder. */
    source: absolutePath,
    /** Where snapshots go. Must not be inside the source, nor contain it. */
    destination: absolutePath,
    /** Journal, run lock and logs. Default: %ProgramData%\avimark-backup on Windows. */
    stateDir: absolutePath.optional(),
    /** auto = vss where shadow copies work on the source volume, else presync. */
    mode: z.enum(['auto', 'vss', 'presync', 'offline']).default('auto'),
    lockout: lockoutSchema.default(() => lockoutSchema.parse({})),
    vss: vssSchema.default(() => vssSchema.parse({})),
    engine: engineSchema.default(() => engineSchema.parse({})),
    retention: retentionSchema.default(() => retentionSchema.parse({})),
    verify: verifySchema.default(() => verifySchema.parse({})),
    guard: guardSchema.default(() => guardSchema.parse({})),
    logging: loggingSchema.default(() => loggingSchema.parse({})),
    powershell: powershellSchema.default(() => powershellSchema.parse({})),
    alerts: alertsSchema.default(() => alertsSchema.parse({})),
    drill: drillSchema.default(() => drillSchema.parse({})),
    offsite: offsiteSchema.nullable().default(null),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type LockoutConfig = Config['lockout'];
export type EngineConfig = Config['engine'];
export type RetentionConfig = Config['retention'];
export type GuardConfig = Config['guard'];
export type RansomwareConfig = GuardConfig['ransomware'];
export type OffsiteConfig = z.output<typeof offsiteSchema>;
