/**
 * What each configuration field means, in words for the administrator. One table feeds the editor
 * JSON Schema (descriptions) and docs/configuration.md; a test fails when the schema gains a field
 * that is not described here, or when the generated files are stale (`node scripts/gen-schema.mjs`).
 * Keys are field paths, with `[]` for "each entry of the list".
 */
export interface FieldReference {
  description: string;
  /** Shown instead of the schema default where the default depends on the platform or other fields. */
  defaultText?: string;
}

export const fieldReference: Record<string, FieldReference> = {
  $schema: {
    description:
      'Optional path or URL of config.schema.json, for editor completion and checks. Ignored by avimark-backup.',
  },
  source: { description: 'The live AVImark folder (program and data together), e.g. C:\\AVImark. Absolute path.' },
  destination: {
    description:
      'Where snapshots go (a local disk or a share). Absolute path; must not be the source, inside it, or contain it. Unchanged files are hard links, so it must be one volume.',
  },
  stateDir: {
    description: 'Folder for the lockout journal, the run lock and (by default) the logs.',
    defaultText:
      '%ProgramData%\\avimark-backup on Windows, /var/lib/avimark-backup elsewhere (env AVIMARK_BACKUP_STATE_DIR overrides)',
  },
  mode: {
    description:
      'How AVImark is kept consistent while copying: "offline" locks out for the whole copy; "presync" copies live first, then locks out and copies only what changed; "vss" locks out, takes a shadow copy, gives AVImark back, then copies from the shadow; "auto" = vss where shadow copies work on the source volume, else presync.',
  },
  vss: { description: 'Shadow copies (mode "vss", and "auto" where shadow copies work).' },
  'vss.onFailure': {
    description:
      'When the shadow copy still fails after retrying: "offline" copies under the same lockout instead (mode "auto" only; mode "vss" always fails), "fail" gives AVImark back and fails the run.',
  },
  'vss.retrySeconds': {
    description:
      'How long a shadow copy that fails for a passing reason (another shadow copy operation in progress, volume in use, provider failure) is tried again, with backoff, inside the lockout limit.',
  },
  lockout: { description: 'How AVImark is taken offline and given back.' },
  'lockout.share': { description: 'The SMB share workstations use to reach AVImark; null when there is none.' },
  'lockout.share.name': { description: 'Share name as shown by Get-SmbShare.' },
  'lockout.share.optional': { description: 'If true, a missing share is not an error.' },
  'lockout.share.method': {
    description:
      '"sddl": swap the share permissions for deny-all and restore them byte-identical; "remove": remove the share and re-create it with every setting.',
  },
  'lockout.services': {
    description:
      'Windows services stopped (and set to Disabled) during the lockout, restored to their exact start type and state afterwards.',
  },
  'lockout.services[].name': { description: 'Service name (Get-Service Name, not the display name).' },
  'lockout.services[].optional': {
    description: 'If true, a service that is not installed is skipped; otherwise it is an error.',
  },
  'lockout.processes': {
    description: 'Processes closed in every session (gracefully, then forced after the grace period).',
  },
  'lockout.processes[].name': { description: 'Process name without .exe.' },
  'lockout.processes[].optional': { description: 'If true, not finding it running is normal.' },
  'lockout.executables': {
    description: 'Programs renamed during the lockout so nobody can start AVImark again; renamed back afterwards.',
    defaultText: '[{ "path": "<source>\\avimark.exe" }]',
  },
  'lockout.executables[].path': { description: 'Absolute path of the program file.' },
  'lockout.executables[].optional': { description: 'If true, a missing file is skipped.' },
  'lockout.warnMinutes': {
    description: 'Minutes before the lockout at which logged-on users are warned (msg.exe). [] = no warning.',
  },
  'lockout.warnMessage': { description: 'Warning text; {minutes} and {backBy} (expected end time) are filled in.' },
  'lockout.backMessage': { description: 'Message sent when AVImark is available again.' },
  'lockout.gracePeriodSeconds': {
    description: 'Seconds between the last warning/close request and forcing processes to stop.',
  },
  'lockout.serviceTimeoutSeconds': { description: 'How long to wait for a service to stop or start.' },
  'lockout.maxLockoutMinutes': {
    description:
      'Watchdog: AVImark is given back after this many minutes whatever happens. Must leave time for the copy: gracePeriodSeconds + the number of services × serviceTimeoutSeconds (the waits that run one after another before the copy) must be less than maxLockoutMinutes × 60, or the config is refused (exit 2).',
  },
  'lockout.recoverWaitMinutes': {
    description:
      'How long recover (the startup task, the safety net) waits for a server that does not answer yet, as at boot, before giving back anyway (0-60; recover --wait-minutes overrides).',
  },
  engine: { description: 'The copy engine.' },
  'engine.checksum': {
    description:
      'Detect changes by content (SHA-256 of every file) instead of size and modification time. Slower; catches silent changes.',
  },
  'engine.largeFileBytes': {
    description: 'Files at least this big resume mid-file after an interruption (checkpointed while copying).',
  },
  'engine.concurrency': { description: 'How many small files are copied at once (1-64).' },
  'engine.retries': { description: 'Retries for transient errors (busy, sharing violation, network reset) per file.' },
  'engine.retryMinTimeoutMs': {
    description: 'Delay before the first retry in milliseconds (later retries wait longer).',
  },
  'engine.retryMaxTimeMs': { description: 'Upper bound in milliseconds for all retries of one file.' },
  'engine.unstableRetries': {
    description: 'How often a file that changes while being read is read again before the run fails naming it.',
  },
  'engine.exclude': {
    description: 'Relative paths or folder prefixes (no wildcards) left out of the backup, e.g. "Backup".',
  },
  retention: {
    description:
      'Which snapshots prune keeps (like restic forget). The newest is never removed; all zeros removes nothing.',
  },
  'retention.keepLast': { description: 'Keep the n newest snapshots.' },
  'retention.keepDaily': {
    description: 'Keep the newest snapshot of each of the last n days that have one (server local time).',
  },
  'retention.keepWeekly': {
    description: 'Keep the newest snapshot of each of the last n ISO weeks (Monday-Sunday) that have one.',
  },
  'retention.keepMonthly': {
    description: 'Keep the newest snapshot of each of the last n calendar months that have one.',
  },
  'retention.auto': { description: 'Prune automatically after each successful backup.' },
  verify: { description: 'What is re-read after each backup.' },
  'verify.after': {
    description: '"none", "copied" (the files copied by this run), "sample" (samplePercent of all files) or "all".',
  },
  'verify.samplePercent': { description: 'Share of files re-hashed when after = "sample" (above 0, at most 100).' },
  'verify.scrubDays': {
    description:
      'Rolling scrub: the nightly verification also re-reads a slice of the unchanged files, so that every file of every kept snapshot is re-hashed at least once in this many days (like restic check --read-data-subset).',
  },
  guard: {
    description:
      'Defences of the snapshots: an empty or shrunken source fails the run, and a night that looks like ransomware is kept but marked suspect.',
  },
  'guard.maxShrinkPercent': {
    description:
      'The run fails (exit 1, nothing committed or pruned) when the file count or the bytes fall by more than this percentage against the previous snapshot; --allow-shrink accepts it once.',
  },
  'guard.ransomware': {
    description:
      'When a night looks like ransomware, the snapshot is committed but marked suspect: latest does not move, pruning is held until "avimark-backup accept ID", and the run exits 5.',
  },
  'guard.ransomware.changedSameSizePercent': {
    description:
      'Suspect when at least this percentage of the files kept from the previous snapshot changed content while keeping their size (a normal night rewrites a few tables).',
  },
  'guard.ransomware.incompressiblePercent': {
    description:
      'Suspect when at least this percentage of the sampled changed files became incompressible (AVImark tables compress well; encrypted data does not).',
  },
  'guard.ransomware.minFiles': {
    description:
      'A percentage signal counts only when at least this many files are behind it, so a small folder does not trip it.',
  },
  'guard.ransomware.sampleFiles': {
    description: 'At most this many changed files are sampled for compressibility each night (0 = no sampling).',
  },
  'guard.ransomware.sampleBytes': {
    description: 'At most this many bytes are read for the compressibility sample each night (blocks of 64 KiB).',
  },
  'guard.ransomware.extensions': {
    description:
      'Extra file extensions (with the dot, e.g. ".xyz") that mark encrypted files, on top of the built-in list (.locked, .encrypted, .lockbit, .akira …).',
  },
  logging: { description: 'Log files (JSON lines, one file per run).' },
  'logging.dir': { description: 'Folder for the log files.', defaultText: '<stateDir>/logs' },
  'logging.keepDays': { description: 'Log files older than this many days are deleted.' },
  'logging.level': { description: '"debug", "info", "warn" or "error".' },
  powershell: { description: 'How Windows is driven.' },
  'powershell.executable': {
    description: '"powershell" (Windows PowerShell 5.1, always present), "pwsh" (PowerShell 7) or a full path.',
    defaultText: '"powershell" on Windows, "pwsh" elsewhere',
  },
  'powershell.callTimeoutSeconds': {
    description: 'A PowerShell call that takes longer is abandoned (the process is restarted).',
  },
  alerts: { description: 'Where failures are reported.' },
  'alerts.eventLog': { description: 'The Windows Application event log.' },
  'alerts.eventLog.enabled': { description: 'Write warnings and errors to the event log.' },
  'alerts.eventLog.source': { description: 'Event source name.' },
  'alerts.email': { description: 'E-mail alerts (SMTP); null = none.' },
  'alerts.email.host': { description: 'SMTP server.' },
  'alerts.email.port': { description: 'SMTP port (587 STARTTLS, 465 TLS).' },
  'alerts.email.security': { description: '"starttls", "tls" (implicit, port 465) or "none" (loopback relays only).' },
  'alerts.email.user': { description: 'SMTP user name, if the server needs a login.' },
  'alerts.email.passwordEnv': {
    description: 'Name of the environment variable holding the SMTP password (never the password itself).',
  },
  'alerts.email.passwordFile': {
    description: 'Absolute path of an ACL-protected file whose first line is the SMTP password.',
  },
  'alerts.email.caFile': {
    description: 'Absolute path of a PEM file with the CA certificate(s) to trust for the SMTP server (private CAs).',
  },
  'alerts.email.from': { description: 'Sender address.' },
  'alerts.email.to': { description: 'Recipients (at least one).' },
  'alerts.email.onSuccess': { description: 'Also send a short mail after successful runs.' },
  drill: { description: 'The restore drill (avimark-backup drill).' },
  'drill.requiredFiles': { description: 'Relative paths that must exist in a restored snapshot for AVImark to start.' },
  'drill.command': {
    description:
      'Optional program and arguments run against the restored folder ({dir} is replaced); its exit code is the verdict. The program must be an absolute path (it runs as SYSTEM in the restored folder). null = none.',
  },
  'drill.commandTimeoutMinutes': {
    description: 'The drill command is stopped (and the drill fails) after this many minutes.',
  },
  offsite: {
    description:
      'Offsite copies through restic (docs/offsite.md): after each good night the committed snapshot is backed up to a restic repository. null = none.',
  },
  'offsite.restic': {
    description:
      "Absolute path of restic's executable (installed separately), e.g. C:\\Program Files\\restic\\restic.exe.",
  },
  'offsite.repository': {
    description:
      'The restic repository, e.g. rest:https://backup.example.net/clinic1, s3:s3.eu-central-1.amazonaws.com/bucket/clinic1, sftp:user@host:/srv/restic/clinic1, or a folder. No password in it: RESTIC_REPOSITORY in the environmentFile overrides it.',
  },
  'offsite.passwordFile': {
    description:
      "File (readable only by SYSTEM and Administrators) holding the repository's password; handed to restic as RESTIC_PASSWORD_FILE, never on a command line.",
  },
  'offsite.environmentFile': {
    description:
      'Optional file (readable only by SYSTEM and Administrators) of KEY=VALUE lines with the backend keys (e.g. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, B2_ACCOUNT_ID, AZURE_ACCOUNT_KEY, RESTIC_REST_USERNAME); passed to restic through its environment.',
  },
  'offsite.everyNights': { description: 'Push after every night (1) or every N nights.' },
  'offsite.timeLimitMinutes': {
    description: 'An offsite push (and the check after it) is stopped after this many minutes; the next run resumes.',
  },
  'offsite.retention': {
    description:
      '"append-only": never delete (the repository or an administrator elsewhere prunes); or an object with keepDaily/keepWeekly/keepMonthly: restic forget --prune --group-by host after each push.',
    defaultText: '"append-only"',
  },
  'offsite.retention.keepDaily': { description: 'Offsite snapshots kept: the last one of each of this many days.' },
  'offsite.retention.keepWeekly': { description: 'Offsite snapshots kept: the last one of each of this many weeks.' },
  'offsite.retention.keepMonthly': {
    description: 'Offsite snapshots kept: the last one of each of this many months.',
  },
  'offsite.scrubDays': {
    description:
      "offsite verify reads 1/scrubDays of the repository's data each time (restic check --read-data-subset n/scrubDays, n rotating), so the whole repository is read back over this many runs.",
  },
  'offsite.maxAgeDays': { description: 'Alert when the newest offsite copy is older than this many days.' },
};
