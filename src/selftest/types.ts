import type { Config } from '../config/schema';
import type { WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import type { EmailDeps } from '../report/email';

export type CheckStatus = 'ok' | 'failed' | 'skipped';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** What was done and seen (or why it was skipped). */
  detail: string;
  /** What the administrator should do; null when the check passed. */
  fix: string | null;
  durationMs: number;
}

export interface SelftestReport {
  ok: boolean;
  computerName: string;
  psVersion: string | null;
  simulated: boolean | null;
  checks: CheckResult[];
}

/** The part of the settings the selftest reads. */
export interface SelftestSettings {
  source: string | null;
  stateDir: string;
  lockout: { share: { name: string } | null };
  alerts: Config['alerts'];
  /** The offsite copy (restic), when configured. */
  offsite?: Config['offsite'];
}

export interface SelftestContext {
  host: WindowsHost;
  settings: SelftestSettings;
  log: Logger;
  /** A short random suffix for throwaway names (share, task, folder). */
  suffix: string;
  emailDeps?: EmailDeps;
}
