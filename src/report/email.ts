import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema';
import { ConfigError } from '../errors';
import type { RunAlert } from './run-alert';

export type EmailSettings = NonNullable<Config['alerts']['email']>;

export interface EmailDeps {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => Promise<string>;
}

const defaultDeps: EmailDeps = { env: process.env, readFile: (p) => readFile(p, 'utf8') };

export interface EmailResult {
  sent: boolean;
  /** Why it was not sent; never contains the password. */
  error: string | null;
  messageId: string | null;
}

/**
 * The SMTP password: from the environment variable `passwordEnv`, else the first line of
 * `passwordFile`. Null when no user is configured (no authentication).
 */
export async function resolveEmailPassword(
  settings: EmailSettings,
  deps: EmailDeps = defaultDeps,
): Promise<string | null> {
  if (!settings.user) return null;
  if (settings.passwordEnv) {
    const value = deps.env[settings.passwordEnv];
    if (value === undefined || value === '') {
      throw new ConfigError('alerts.email.passwordEnv', `environment variable ${settings.passwordEnv} is not set`);
    }
    return value;
  }
  if (settings.passwordFile) {
    let text: string;
    try {
      text = await deps.readFile(settings.passwordFile);
    } catch (err) {
      const code =
        typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : 'error';
      throw new ConfigError('alerts.email.passwordFile', `cannot read ${settings.passwordFile} (${code})`);
    }
    const first = text.split(/\r?\n/, 1)[0];
    if (!first) throw new ConfigError('alerts.email.passwordFile', `${settings.passwordFile} is empty`);
    return first;
  }
  throw new ConfigError('alerts.email', '"user" is set but neither "passwordEnv" nor "passwordFile" is');
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

/** Refuses settings that would send a password in clear text over the network. */
export function checkEmailSecurity(settings: EmailSettings): void {
  if (settings.security === 'none' && settings.user && !LOOPBACK.test(settings.host)) {
    throw new ConfigError(
      'alerts.email.security',
      `"none" would send the password to ${settings.host} unencrypted`,
      'use "starttls" (port 587) or "tls" (port 465); "none" is only for a relay on this machine',
    );
  }
}

/** Replaces every occurrence of the secret (and its base64 forms used by AUTH PLAIN/LOGIN) with ***. */
export function scrubSecret(text: string, secret: string | null, user?: string): string {
  if (!secret) return text;
  const forms = [secret, Buffer.from(secret).toString('base64')];
  if (user) forms.push(Buffer.from(`\u0000${user}\u0000${secret}`).toString('base64'));
  let out = text;
  for (const form of forms) if (form) out = out.split(form).join('***');
  return out;
}

export function emailSubject(alert: RunAlert): string {
  const word =
    alert.outcome === 'success'
      ? 'OK'
      : alert.outcome === 'warning'
        ? 'OK with warnings'
        : alert.outcome === 'damage'
          ? 'DAMAGE FOUND'
          : alert.outcome === 'lockoutNotUndone'
            ? 'AVIMARK STILL LOCKED'
            : alert.outcome === 'offsiteFailed'
              ? 'local backup OK, OFFSITE COPY FAILED'
              : alert.outcome === 'suspect'
                ? 'POSSIBLE RANSOMWARE'
                : 'FAILED';
  return `[avimark-backup] ${word}: ${alert.command} on ${alert.computerName}`;
}

export function emailBody(alert: RunAlert): string {
  const lines = [
    `avimark-backup ${alert.command} on ${alert.computerName}: exit code ${alert.exitCode}`,
    '',
    alert.message,
  ];
  if (alert.statusSentence) lines.push('', `Backup status: ${alert.statusSentence}`);
  if (alert.hint) lines.push('', `What to do: ${alert.hint}`);
  if (alert.stillLocked && alert.stillLocked.length > 0) {
    lines.push(
      '',
      'STILL LOCKED (users cannot work until this is fixed):',
      ...alert.stillLocked.map((s) => `  - ${s}`),
    );
    lines.push('Run "avimark-backup recover" (or Unlock-Avimark) on the server.');
  }
  lines.push('', `Started:  ${alert.startedAt.toISOString()}`, `Finished: ${alert.finishedAt.toISOString()}`);
  if (alert.logFile) lines.push(`Log file: ${alert.logFile}`);
  if (alert.summary !== null && alert.summary !== undefined)
    lines.push('', 'Summary (JSON):', JSON.stringify(alert.summary, null, 2));
  return `${lines.join('\n')}\n`;
}

/**
 * Sends the alert e-mail. Never throws and never returns or logs the password: failures come back
 * as `error` (scrubbed), for the caller to log and record in the Event Log.
 */
export async function sendAlertEmail(
  settings: EmailSettings,
  alert: RunAlert,
  deps: EmailDeps = defaultDeps,
): Promise<EmailResult> {
  let password: string | null = null;
  try {
    checkEmailSecurity(settings);
    password = await resolveEmailPassword(settings, deps);
    const ca = settings.caFile ? await deps.readFile(settings.caFile) : undefined;
    // Loaded only when an e-mail is sent: a run that sends none never pays for it (memory).
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      auth: settings.user && password !== null ? { user: settings.user, pass: password } : undefined,
      tls: { minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) },
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
      logger: false,
      debug: false,
    });
    try {
      const info = await transport.sendMail({
        from: settings.from,
        to: settings.to,
        subject: emailSubject(alert),
        text: emailBody(alert),
      });
      return { sent: true, error: null, messageId: typeof info.messageId === 'string' ? info.messageId : null };
    } finally {
      transport.close();
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      sent: false,
      error: scrubSecret(
        `e-mail to ${settings.to.join(', ')} via ${settings.host}:${settings.port} failed: ${message}`,
        password,
        settings.user,
      ),
      messageId: null,
    };
  }
}
