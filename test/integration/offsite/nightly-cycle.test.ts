import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventId } from '../../../src/report/event-log';
import { type CliResult, runCli, tempDir } from '../../helpers/cli';
import { type SimHospital, simulatedHospital } from '../../helpers/hospital';
import { bundlePath } from '../../helpers/pwsh';
import { selfSignedCert, startSmtp, type TestSmtp } from '../../helpers/smtp';
import { freePort, PASSWORD, RESTIC } from './harness';

/**
 * The offsite copy as step 8 of the nightly cycle, through the CLI bundle: the real PowerShell bridge
 * and the simulated server, restic with a local repository, alerts to the simulated Event Log and a
 * real SMTP server on 127.0.0.1. An unreachable repository never fails a good night.
 */

const SMTP_PASSWORD = 'smtp-Secret-offsite-7c1';
const USER = 'alerts@clinic.example';

let h: SimHospital;
let smtp: TestSmtp;
let certDir: { dir: string; cleanup: () => Promise<void> };
let certFile: string;
let repo: string;
let passwordFile: string;

beforeAll(async () => {
  if (!existsSync(bundlePath)) throw new Error('build the bundle first: node build.mjs --bundle-only');
  certDir = await tempDir('avb-offsite-night-cert-');
  const cert = await selfSignedCert(certDir.dir);
  certFile = cert.certFile;
  smtp = await startSmtp({ key: cert.key, cert: cert.cert, user: USER, password: SMTP_PASSWORD });
  h = await simulatedHospital();
  repo = path.join(h.server.dir, 'offsite-repo');
  passwordFile = path.join(h.server.dir, 'secret', 'offsite-password.txt');
  await mkdir(path.dirname(passwordFile), { recursive: true });
  await writeFile(passwordFile, `${PASSWORD}\n`);
});
afterAll(async () => {
  await h?.cleanup();
  await smtp?.close();
  await certDir?.cleanup();
});

async function writeConfig(repository: string): Promise<void> {
  await h.writeConfig({
    offsite: { restic: RESTIC, repository, passwordFile, timeLimitMinutes: 2 },
    alerts: {
      eventLog: { enabled: true, source: 'avimark-backup' },
      email: {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        user: USER,
        passwordEnv: 'AVB_TEST_SMTP',
        caFile: certFile,
        from: 'backup@clinic.example',
        to: ['it@clinic.example'],
      },
    },
  });
}

function cli(args: string[]): Promise<CliResult> {
  return runCli([...args, '--config', h.configFile, '--json'], {
    env: { ...h.server.env, AVIMARK_TEST_CLI: 'bundle', AVB_TEST_SMTP: SMTP_PASSWORD },
    timeoutMs: 240_000,
  });
}

const finishedEvents = async () =>
  (await h.server.readState()).events.filter((e) => e.EventId !== EventId.RunStarted).map((e) => e.EventId);

describe('the nightly cycle pushes offsite after commit and verify', { timeout: 300_000 }, () => {
  it('a backup with offsite configured pushes the committed snapshot; status and list show its age', async () => {
    await writeConfig(repo);
    expect((await cli(['offsite', 'init'])).code).toBe(0);
    const mailsBefore = smtp.received.length;
    const r = await cli(['backup']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.offsite).toMatchObject({ status: 'ok', alert: null });
    expect(summary.offsite.bytesAdded).toBeGreaterThan(0);
    expect(summary.offsite.newestCopy.snapshotId).toBe(summary.snapshotId);
    // The repository holds it, tagged with our snapshot ID.
    const listed = spawnSync(RESTIC, ['snapshots', '--json', '--no-lock'], {
      env: { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD_FILE: passwordFile },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    const tags = (JSON.parse(listed.stdout) as { tags: string[] }[]).flatMap((s) => s.tags);
    expect(tags).toContain(`snapshot=${summary.snapshotId}`);
    expect((await finishedEvents()).at(-1)).toBe(EventId.RunSucceeded);
    expect(smtp.received.length).toBe(mailsBefore); // e-mail on problems only

    const status = JSON.parse((await cli(['status'])).stdout);
    expect(status.offsite.newestCopy).toMatchObject({ snapshotId: summary.snapshotId, ageDays: 0 });
    expect(status.offsite.lastCheck).toMatchObject({ ok: true });
    expect(status.offsite.alert).toBeNull();
    const list = JSON.parse((await cli(['list'])).stdout);
    expect(list.offsite.newestCopy.snapshotId).toBe(summary.snapshotId);
  });

  it('an unreachable repository: the night exits 0, warns, and the Event Log and e-mail say "local backup OK, offsite copy failed"', async () => {
    await writeConfig(`rest:http://127.0.0.1:${await freePort()}/nothing-here`);
    const mailsBefore = smtp.received.length;
    const r = await cli(['backup']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.snapshotId).toMatch(/^\d{4}-\d\d-\d\d_\d{6}/);
    expect(summary.offsite.status).toBe('failed');
    expect(summary.warnings.join('\n')).toMatch(/local backup OK, offsite copy failed: .*cannot be reached/);

    const events = (await h.server.readState()).events;
    const last = events.at(-1);
    expect(last?.EventId).toBe(EventId.OffsiteCopyFailed);
    expect(last?.EntryType).toBe('Warning');
    expect(last?.Message).toContain('local backup OK, offsite copy failed');

    const mails = smtp.received.slice(mailsBefore).map((m) => m.raw.replace(/=\r?\n/g, ''));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatch(/Subject: \[avimark-backup\] local backup OK, OFFSITE COPY FAILED: backup on/);
    expect(mails[0]).toContain('local backup OK, offsite copy failed');
    expect(mails[0]).not.toContain(PASSWORD);
    expect(last?.Message).not.toContain(PASSWORD);
  });
});
