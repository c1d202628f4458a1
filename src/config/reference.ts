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
    description: 'Watchdog: AVImark is given back after this many minutes whatever happens.',
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
};
