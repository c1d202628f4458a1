import { openSync, closeSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailSchema } from '../../../src/config/schema';
import { createMemoryHost } from '../../../src/host/memory';
import { openRunLog } from '../../../src/log/logger';
import { EventId } from '../../../src/report/event-log';
import { notifyRunFinished, type AlertSettings } from '../../../src/report/notify';
import type { RunAlert } from '../../../src/report/run-alert';
import { tempDir } from '../../helpers/cli';
import { selfSignedCert, startSmtp, type TestSmtp } from '../../helpers/smtp';

/**
 * Alert e-mail through a real SMTP server on 127.0.0.1 (smtp-server) with STARTTLS or implicit TLS
 * and AUTH, using a self-signed certificate made for the test; plus the Event Log entry of each run.
 * The password must appear nowhere: log file, console output, the notify result, the summary, or the
 * problem text of a failed attempt.
 */

const PASSWORD = 'Pa55-wörd-7f3a9c!';
const USER = 'alerts@clinic.example';

let dir: string;
let cleanup: () => Promise<void>;
let cert: { key: string; cert: string; certFile: string };
let starttls: TestSmtp;
let implicit: TestSmtp;
let passwordFile: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('avb-email-'));
  cert = await selfSignedCert(dir);
  starttls = await startSmtp({ key: cert.key, cert: cert.cert, user: USER, password: PASSWORD });
  implicit = await startSmtp({ key: cert.key, cert: cert.cert, user: USER, password: PASSWORD, implicitTls: true });
  passwordFile = path.join(dir, 'smtp-password.txt');
  await writeFile(passwordFile, `${PASSWORD}\r\nignored second line\r\n`);
});
afterAll(async () => {
  await starttls?.close();
  await implicit?.close();
  await cleanup();
});

function alert(overrides: Partial<RunAlert> = {}): RunAlert {
  return {
    command: 'backup',
    outcome: 'failure',
    exitCode: 1,
    startedAt: new Date('2026-11-26T01:00:00Z'),
    finishedAt: new Date('2026-11-26T01:07:30Z'),
    computerName: 'VETSRV01',
    message: 'copy failed: D:\\Backup is full (ENOSPC)',
    hint: 'free space on D: or lower retention.keepDaily',
    summary: {
      snapshotId: '2026-11-26T010000Z',
      filesTotal: 1234,
      filesCopied: 17,
      offlineSeconds: 41.5,
      warnings: [],
    },
    ...overrides,
  };
}

function settings(email: Record<string, unknown> | null): AlertSettings {
  return {
    alerts: {
      eventLog: { enabled: true, source: 'avimark-backup' },
      email:
        email === null
          ? null
          : emailSchema.parse({ from: 'avimark-backup@clinic.example', to: ['it@clinic.example'], ...email }),
    },
  };
}

/** A run log (file) and its console output (a second file via consoleFd), as the CLI has them. */
function runLog(name: string) {
  const consoleFile = path.join(dir, `${name}-console.txt`);
  const fd = openSync(consoleFile, 'w');
  const { logger, file } = openRunLog({
    logDir: path.join(dir, 'logs'),
    level: 'debug',
    console: 'json',
    consoleFd: fd,
    runName: name,
  });
  return {
    logger,
    read: async () => {
      logger.flush();
      closeSync(fd);
      return { log: await readFile(file ?? '', 'utf8'), console: await readFile(consoleFile, 'utf8') };
    },
  };
}

function expectNoPassword(...texts: string[]): void {
  const forms = [
    PASSWORD,
    Buffer.from(PASSWORD).toString('base64'),
    Buffer.from(`\u0000${USER}\u0000${PASSWORD}`).toString('base64'),
  ];
  for (const text of texts)
    for (const form of forms) expect(text.includes(form), `password form ${form} leaked`).toBe(false);
}

describe('alert e-mail and Event Log at the end of a run', () => {
  it('a failed run sends an e-mail over STARTTLS with AUTH carrying the summary; the password is nowhere', async () => {
    const host = createMemoryHost();
    const log = runLog('starttls');
    const run = alert();
    const result = await notifyRunFinished(
      settings({
        host: '127.0.0.1',
        port: starttls.port,
        security: 'starttls',
        user: USER,
        passwordEnv: 'AVB_TEST_SMTP_PASSWORD',
        caFile: cert.certFile,
      }),
      run,
      host,
      log.logger,
      { env: { AVB_TEST_SMTP_PASSWORD: PASSWORD }, readFile: (p) => readFile(p, 'utf8') },
    );
    expect(result).toEqual({ eventWritten: true, emailSent: true, problems: [] });
    expect(starttls.received).toHaveLength(1);
    const mail = starttls.received[0];
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe(USER);
    expect(mail.to).toEqual(['it@clinic.example']);
    expect(mail.raw).toContain('Subject: [avimark-backup] FAILED: backup on VETSRV01');
    expect(mail.raw).toContain('2026-11-26T010000Z');
    expect(mail.raw).toContain('"filesCopied": 17');
    expect(mail.raw).toContain('free space on D:');

    expect(host.state.events).toHaveLength(1);
    expect(host.state.events[0]).toMatchObject({
      source: 'avimark-backup',
      eventId: EventId.RunFailed,
      level: 'Error',
    });
    expect(host.state.events[0].message).toContain('copy failed');

    const { log: logText, console: consoleText } = await log.read();
    expect(logText).toContain('alert e-mail sent');
    expectNoPassword(
      logText,
      consoleText,
      JSON.stringify(result),
      JSON.stringify(run.summary),
      mail.raw,
      host.state.events[0].message,
    );
  });

  it('a successful run writes event 1001 and sends no e-mail unless onSuccess', async () => {
    const host = createMemoryHost();
    const before = starttls.received.length;
    const log = runLog('success');
    const result = await notifyRunFinished(
      settings({
        host: '127.0.0.1',
        port: starttls.port,
        user: USER,
        passwordEnv: 'AVB_TEST_SMTP_PASSWORD',
        caFile: cert.certFile,
      }),
      alert({ outcome: 'success', exitCode: 0, message: 'snapshot 2026-11-26T010000Z complete', hint: undefined }),
      host,
      log.logger,
      { env: { AVB_TEST_SMTP_PASSWORD: PASSWORD }, readFile: (p) => readFile(p, 'utf8') },
    );
    expect(result).toEqual({ eventWritten: true, emailSent: false, problems: [] });
    expect(starttls.received.length).toBe(before);
    expect(host.state.events.map((e) => [e.eventId, e.level])).toEqual([[EventId.RunSucceeded, 'Information']]);
    await log.read();
  });

  it('implicit TLS with the password from a file, onSuccess: true', async () => {
    const log = runLog('implicit');
    const result = await notifyRunFinished(
      settings({
        host: 'localhost',
        port: implicit.port,
        security: 'tls',
        user: USER,
        passwordFile,
        caFile: cert.certFile,
        onSuccess: true,
      }),
      alert({ outcome: 'success', exitCode: 0, message: 'snapshot complete' }),
      null,
      log.logger,
    );
    expect(result.problems).toEqual([]);
    expect(result.emailSent).toBe(true);
    expect(implicit.received).toHaveLength(1);
    expect(implicit.received[0].secure).toBe(true);
    expect(implicit.received[0].raw).toContain('Subject: [avimark-backup] OK: backup on VETSRV01');
    const { log: logText, console: consoleText } = await log.read();
    expectNoPassword(logText, consoleText, JSON.stringify(result));
  });

  it('a rejected password or an untrusted certificate is reported (event 1007) without the password, and never throws', async () => {
    const host = createMemoryHost();
    const log = runLog('rejected');
    const wrong = `${PASSWORD}-wrong`;
    const badAuth = await notifyRunFinished(
      settings({ host: '127.0.0.1', port: starttls.port, user: USER, passwordEnv: 'P', caFile: cert.certFile }),
      alert({ outcome: 'lockoutNotUndone', exitCode: 4, stillLocked: ['share AVImark (deny-all ACL still applied)'] }),
      host,
      log.logger,
      { env: { P: wrong }, readFile: (p) => readFile(p, 'utf8') },
    );
    expect(badAuth.emailSent).toBe(false);
    expect(badAuth.problems[0]).toMatch(
      /e-mail to it@clinic.example via 127\.0\.0\.1:\d+ failed: .*(Invalid username or password|535)/,
    );
    expect(starttls.authAttempts.some((a) => !a.ok)).toBe(true);

    const untrusted = await notifyRunFinished(
      settings({ host: '127.0.0.1', port: starttls.port, user: USER, passwordEnv: 'P' }),
      alert(),
      host,
      log.logger,
      { env: { P: PASSWORD }, readFile: (p) => readFile(p, 'utf8') },
    );
    expect(untrusted.emailSent).toBe(false);
    expect(untrusted.problems[0]).toMatch(/certificate/i);

    expect(host.state.events.map((e) => e.eventId)).toEqual([
      EventId.LockoutNotUndone,
      EventId.EmailFailed,
      EventId.RunFailed,
      EventId.EmailFailed,
    ]);
    expect(host.state.events[0].message).toContain('Still locked: share AVImark (deny-all ACL still applied)');
    const { log: logText, console: consoleText } = await log.read();
    expect(logText).toContain('could not send the alert e-mail');
    expectNoPassword(
      logText,
      consoleText,
      JSON.stringify(badAuth),
      JSON.stringify(untrusted),
      JSON.stringify(host.state.events),
    );
    for (const text of [logText, consoleText, JSON.stringify(badAuth)]) expect(text.includes(wrong)).toBe(false);
  });

  it('refuses to send a password unencrypted to another machine, and names the missing password source', async () => {
    const log = runLog('refused');
    const clear = await notifyRunFinished(
      settings({ host: 'mail.clinic.example', port: 25, security: 'none', user: USER, passwordEnv: 'P' }),
      alert(),
      null,
      log.logger,
      { env: { P: PASSWORD }, readFile: (p) => readFile(p, 'utf8') },
    );
    expect(clear.problems[0]).toContain(
      'config alerts.email.security: "none" would send the password to mail.clinic.example unencrypted',
    );
    const missing = await notifyRunFinished(
      settings({ host: '127.0.0.1', port: starttls.port, user: USER, passwordEnv: 'AVB_UNSET_VARIABLE' }),
      alert(),
      null,
      log.logger,
      { env: {}, readFile: (p) => readFile(p, 'utf8') },
    );
    expect(missing.problems[0]).toContain(
      'config alerts.email.passwordEnv: environment variable AVB_UNSET_VARIABLE is not set',
    );
    await log.read();
  });
});
