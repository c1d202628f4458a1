/**
 * The commented starting configuration `avimark-backup init` writes: the fields an administrator
 * of a typical AVImark server checks, with everything else left to the defaults (listed in
 * docs/configuration.md). It must always load with `loadConfig` (a test keeps it honest).
 */

export interface TemplateValues {
  source: string;
  destination: string;
}

export function defaultTemplateValues(platform: NodeJS.Platform = process.platform): TemplateValues {
  return platform === 'win32'
    ? { source: 'C:\\AVImark', destination: 'D:\\AVImarkBackup' }
    : { source: '/srv/avimark', destination: '/srv/avimark-backup' };
}

export function configTemplate(values: TemplateValues): string {
  const q = (s: string) => JSON.stringify(s);
  return `// avimark-backup configuration (JSON with comments). Check every line marked CHECK.
// Full reference: docs/configuration.md. Validate it with: avimark-backup list --config <this file>
// Paths must be absolute; in JSON a Windows backslash is written twice: "C:\\\\AVImark".
{
  // CHECK: the live AVImark folder (program and data live together, usually C:\\AVImark).
  "source": ${q(values.source)},

  // CHECK: where snapshots go: a different disk (or a NAS share) with room for the data plus
  // the daily changes. Never inside the AVImark folder. Unchanged files are hard links, so
  // each extra snapshot costs only what changed.
  "destination": ${q(values.destination)},

  // How AVImark is kept consistent while it is copied:
  //   "auto"    = "vss" where shadow copies work on the source volume, otherwise "presync"
  //   "vss"     = lock out, take a shadow copy, give AVImark back at once, copy from the shadow
  //   "presync" = copy while running, then lock out and copy only what changed since
  //   "offline" = lock out for the whole copy (simplest, longest downtime)
  "mode": "auto",

  "lockout": {
    // CHECK: the share workstations use to reach AVImark (Get-SmbShare). null if there is none.
    "share": { "name": "AVImark" },

    // CHECK: services stopped (and disabled) during the lockout, restored exactly afterwards.
    // Find names with: Get-Service | Where-Object DisplayName -like '*avimark*'
    "services": [
      { "name": "AVImarkServer" }
      // Add-ons that keep AVImark files open, if installed (names vary: check Get-Service):
      // , { "name": "AVImark Sync", "optional": true }
      // , { "name": "VetLogic", "optional": true }        // VetLogic (also its Firebird service)
      // , { "name": "IDEXX VetLab Station", "optional": true }
      // , { "name": "Vetstoria", "optional": true }
    ],

    // Processes closed in every session (name without .exe).
    "processes": [
      { "name": "avimark" },
      { "name": "AVImarkGuardian", "optional": true }
    ],

    // Minutes before the lockout at which logged-on users get a message (msg.exe).
    "warnMinutes": [10, 5, 1],
    // Seconds to wait after the last warning before closing AVImark.
    "gracePeriodSeconds": 60,
    // Safety net: AVImark is given back after this long whatever happens.
    "maxLockoutMinutes": 30
  },

  // Which snapshots prune keeps (like restic forget). The newest is never removed.
  "retention": { "keepLast": 7, "keepDaily": 14, "keepWeekly": 8, "keepMonthly": 12, "auto": true },

  // After each backup, re-read: "none", "copied" (files copied this run), "sample" or "all".
  "verify": { "after": "copied", "samplePercent": 5 },

  "alerts": {
    // Errors and warnings go to the Windows Application event log.
    "eventLog": { "enabled": true },
    // E-mail on failure: fill in and remove the null. The password is never stored here:
    // name an environment variable (passwordEnv) or an ACL-protected file (passwordFile).
    "email": null
    // "email": {
    //   "host": "smtp.example.org", "port": 587, "security": "starttls",
    //   "user": "backup@example.org", "passwordEnv": "AVIMARK_BACKUP_SMTP_PASSWORD",
    //   "from": "backup@example.org", "to": ["it@example.org"], "onSuccess": false
    // }
  }
}
`;
}
