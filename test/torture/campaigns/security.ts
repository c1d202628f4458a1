/**
 * Security campaign: the full nightly cycle (real CLI, real PowerShell bridge, simulated server) with
 * hostile values in every config field that reaches PowerShell — share name, source path (so the
 * share path, open-file prefix and executable path), service name, process name, warning and
 * "back" messages — each containing ', ", $(…), backticks, ;, newlines and the Unicode quotes
 * ‘ ’ “ ” that PowerShell also treats as quotes. Checks: no canary file ever appears; values arrive
 * unchanged; the share SDDL is restored byte-identical and no SDDL set during the run grants
 * anything (the simulator records every Set-SmbShare call); the server is back exactly; snapshot
 * files are read-only; the SMTP password (passwordEnv) never appears in stdout, stderr, the log
 * files, the state folder or the store — in a succeeding run and in a failing one.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ShareDefinition } from '../../../src/host/types';
import { DENY_ALL_SHARE_SDDL } from '../../../src/lockout/steps';
import { pwshPath } from '../../helpers/pwsh';
import {
  createSimulatedServer,
  serviceFromSim,
  shareFromSim,
  type SimulatedServer,
  uniqueProcessName,
} from '../../helpers/sim';
import { selfSignedCert, startSmtp } from '../../helpers/smtp';
import { checkStore, snapshotDirs, writableFiles } from '../lib/oracle';
import { type CampaignOptions, type TrialResult, cli } from '../lib/util';

const ORIGINAL_SDDL = 'O:BAG:DUD:(A;;FA;;;BA)(A;;0x1301bf;;;DU)(D;;FA;;;S-1-5-21-1-2-3-1105)';
const SECRET = 'Tr0ub4dor&3-s3cr3t-SMTP-passw0rd';

/** Payloads that would each create `canary` if any value were ever interpolated into PowerShell. */
function payloads(canary: string): string[] {
  return [
    `$(New-Item -ItemType File -Path '${canary}1')`,
    `'; New-Item -ItemType File -Path '${canary}2'; '`,
    `"; New-Item -ItemType File -Path "${canary}3"; "`,
    `\`$(New-Item -ItemType File -Path ${canary}4)\``,
    `‘; New-Item -ItemType File -Path ‘${canary}5’; ‘`,
    `“; New-Item -ItemType File -Path “${canary}6”; “`,
    `x\nNew-Item -ItemType File -Path ${canary}7\n`,
  ];
}

interface Scenario {
  name: string;
  failing: boolean;
}

export async function securityCampaign(options: CampaignOptions): Promise<TrialResult[]> {
  const scenarios: Scenario[] = [
    { name: 'hostile values, succeeding run, e-mail sent', failing: false },
    { name: 'hostile values, failing run (PowerShell dies mid-lockout), e-mail refused', failing: true },
  ];
  const count = options.short ? 1 : Math.max(options.trials, scenarios.length);
  const results: TrialResult[] = [];
  for (const failing of [false, true]) {
    const r: TrialResult = await emailSecretTrial(failing).catch((err: unknown) => ({
      campaign: 'security',
      name: `e-mail secret (${failing ? 'refused' : 'accepted'})`,
      problems: [`trial crashed: ${(err as Error).stack ?? String(err)}`],
    }));
    results.push(r);
    options.log?.(`  security ${r.name}: ${r.problems.length ? 'FAILED' : 'ok'} ${r.note ?? ''}`);
  }
  for (let t = 0; t < count; t += 1) {
    const s = scenarios[(options.seed + t) % scenarios.length];
    let r: TrialResult;
    try {
      r = await trial(s, (options.seed + t) % 7);
    } catch (err) {
      r = { campaign: 'security', name: s.name, problems: [`trial crashed: ${(err as Error).stack ?? String(err)}`] };
    }
    results.push(r);
    options.log?.(`  security ${r.name}: ${r.problems.length ? 'FAILED' : 'ok'} ${r.note ?? ''}`);
  }
  return results;
}

async function trial(s: Scenario, pick: number): Promise<TrialResult> {
  const problems: string[] = [];
  let server: SimulatedServer | undefined;
  const tls = await selfSignedCertDir();
  const smtp = await startSmtp({
    key: tls.key,
    cert: tls.cert,
    user: 'backup@hospital.example',
    password: s.failing ? 'a different password' : SECRET,
  });
  try {
    let canary = '';
    let shareName = '';
    let serviceName = '';
    let source = '';
    const processName = uniqueProcessName('avimark');
    server = await createSimulatedServer((paths) => {
      canary = path.join(paths.dir, 'CANARY');
      const p = payloads(canary);
      shareName = `AVImark ${p[pick].replace(/\n/g, ' ')}`; // share names cannot hold newlines
      // No backtick in the service name: the product escapes it for Get-Service's wildcard matching
      // ([WildcardPattern]::Escape, right on Windows) but the simulator's Get-Service compares names
      // literally (see the report), so such a name is "not found" there.
      const servicePayload = p.filter((x) => !x.includes('`'))[(pick + 1) % (p.length - 1)];
      serviceName = `AVImark${servicePayload.replace(/\n/g, ' ')}`;
      source = path.join(paths.volumeRoot, `AVImark ${p[(pick + 2) % p.length].replace(/[\n/]/g, ' ')}`);
      const share: ShareDefinition = {
        name: shareName,
        scopeName: '*',
        path: source,
        description: `desc ${p[(pick + 3) % p.length]}`,
        concurrentUserLimit: 0,
        cachingMode: 'Manual',
        folderEnumerationMode: 'Unrestricted',
        encryptData: false,
        continuouslyAvailable: false,
        caTimeout: 0,
        temporary: false,
        special: false,
        securityDescriptor: ORIGINAL_SDDL,
      };
      return {
        shares: [share],
        sessions: [{ sessionId: '1001', clientComputerName: 'FRONTDESK1', clientUserName: 'HOSP\\anna', numOpens: 1 }],
        openFiles: [
          {
            fileId: '5001',
            sessionId: '1001',
            path: path.join(source, 'CLIENT.V2$'),
            shareRelativePath: 'CLIENT.V2$',
            clientComputerName: 'FRONTDESK1',
            clientUserName: 'HOSP\\anna',
          },
        ],
        services: [{ name: serviceName, status: 'Running', startType: 'Automatic' }],
        processes: [{ name: processName, exitsOnMessage: true }],
      };
    });
    const p = payloads(canary);
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, 'avimark.exe'), 'MZ');
    writeFileSync(path.join(source, 'CLIENT.V2$'), 'clients');
    writeFileSync(path.join(source, `${p[pick].replace(/\//g, '_')}.V2$`), 'a hostile file name');
    const dest = path.join(server.dir, 'backup');
    const stateDir = path.join(server.dir, 'state');
    const warnMessage = `Closing in {minutes} min ${p[(pick + 4) % p.length]}`;
    const backMessage = `Back ${p[(pick + 5) % p.length]} ‘’“” done`;
    const configFile = path.join(server.dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        source,
        destination: dest,
        stateDir,
        mode: 'offline',
        verify: { after: 'copied' },
        powershell: { executable: pwshPath(), callTimeoutSeconds: 60 },
        lockout: {
          share: { name: shareName },
          services: [{ name: serviceName }],
          processes: [
            { name: processName },
            { name: `avimark${p[(pick + 6) % p.length].replace(/\n/g, ' ')}`, optional: true },
          ],
          warnMinutes: [0],
          warnMessage,
          backMessage,
          gracePeriodSeconds: 1,
          serviceTimeoutSeconds: 5,
        },
        alerts: {
          eventLog: { enabled: true, source: 'avimark-backup' },
          email: {
            host: '127.0.0.1',
            port: smtp.port,
            security: 'starttls',
            caFile: tls.certFile,
            user: 'backup@hospital.example',
            passwordEnv: 'AVB_TORTURE_SMTP_PASSWORD',
            from: 'backup@hospital.example',
            to: ['it@hospital.example'],
            onSuccess: true,
          },
        },
      }),
    );
    const before = await serverView(server);
    if (s.failing) server.updateState((st) => void (st.knobs = { exit: { 'Stop-Service': 9 } }));
    const env = { ...server.env, AVB_TORTURE_SMTP_PASSWORD: SECRET };
    const r = await cli(['backup', '--config', configFile, '--json'], { env, timeoutMs: 240_000 });
    server.updateState((st) => void (st.knobs = {}));
    const note = `exit ${r.code}; share "${shareName.slice(0, 40)}…"; ${smtp.received.length} mail(s) received, ${smtp.authAttempts.length} auth attempt(s)`;
    if (s.failing && r.code === 0) problems.push('the run succeeded although PowerShell died mid-lockout');
    if (!s.failing && r.code !== 0) problems.push(`the run failed (exit ${r.code}): ${r.stderr.trim().slice(0, 2000)}`);
    if (r.code === 4) problems.push(`AVImark not given back: ${r.stderr.trim()}`);

    // No value ever ran as code.
    for (const f of readdirSync(server.dir)) if (f.startsWith('CANARY')) problems.push(`INJECTION: ${f} was created`);
    // Values arrived unchanged.
    const st = await server.readState();
    const texts = st.messages.map((m) => m.Text);
    if (!texts.includes(backMessage))
      problems.push(`the back message did not arrive unchanged: ${JSON.stringify(texts)}`);
    if (!texts.some((t) => t.startsWith('Closing in 0 min ') && t.endsWith(p[(pick + 4) % p.length])))
      problems.push(`the warning did not arrive unchanged: ${JSON.stringify(texts)}`);
    const sddlsSet = st.calls
      .filter((c) => c.Command === 'Set-SmbShare' && 'SecurityDescriptor' in c.Parameters)
      .map((c) => ({ name: String(c.Parameters.Name), sddl: String(c.Parameters.SecurityDescriptor) }));
    for (const x of sddlsSet) {
      if (x.name !== shareName)
        problems.push(`Set-SmbShare got the share name ${JSON.stringify(x.name)}, not ${JSON.stringify(shareName)}`);
      if (x.sddl !== DENY_ALL_SHARE_SDDL && x.sddl !== ORIGINAL_SDDL)
        problems.push(`an SDDL other than deny-all or the original was set: ${x.sddl}`);
      if (x.sddl !== ORIGINAL_SDDL && /\(A;/.test(x.sddl)) problems.push(`a lockout SDDL grants access: ${x.sddl}`);
    }
    if (sddlsSet.length > 0 && sddlsSet[0].sddl !== DENY_ALL_SHARE_SDDL)
      problems.push(`the first SDDL set was not the deny-all one: ${sddlsSet[0].sddl}`);
    if (sddlsSet.at(-1)?.sddl !== ORIGINAL_SDDL && sddlsSet.length > 0)
      problems.push('the last SDDL set was not the original');
    const stopCalls = st.calls
      .filter((c) => c.Command === 'Stop-Service' || c.Command === 'Set-Service')
      .map((c) => String(c.Parameters.Name));
    for (const n of stopCalls)
      if (n !== serviceName)
        problems.push(`a service cmdlet got the name ${JSON.stringify(n)}, not ${JSON.stringify(serviceName)}`);
    const after = await serverView(server);
    if (JSON.stringify(after) !== JSON.stringify(before))
      problems.push(
        `server not back exactly:\n      before ${JSON.stringify(before)}\n      after  ${JSON.stringify(after)}`,
      );
    if (after.shares[0]?.securityDescriptor !== ORIGINAL_SDDL) problems.push('share SDDL not byte-identical');

    // Snapshot files read-only; the store consistent.
    for (const id of snapshotDirs(dest))
      for (const w of writableFiles(path.join(dest, 'snapshots', id)))
        problems.push(`writable snapshot file ${id}/${w}`);
    problems.push(...checkStore(dest, snapshotDirs(dest)));
    if (!s.failing && snapshotDirs(dest).length !== 1) problems.push('no snapshot was committed');
    // The state folder is not writable by others (POSIX view; on Windows the installer's ACL does this).
    for (const d of [stateDir])
      if (existsSync(d) && (statSync(d).mode & 0o002) !== 0) problems.push(`${d} is world-writable`);

    // The secret never appears anywhere we wrote or printed.
    const leaks: string[] = [];
    if (r.stdout.includes(SECRET)) leaks.push('stdout');
    if (r.stderr.includes(SECRET)) leaks.push('stderr');
    for (const f of filesUnder(stateDir).concat(filesUnder(path.join(dest, 'meta'))))
      if (readFileSync(f).includes(SECRET)) leaks.push(f);
    for (const e of st.events) if (e.Message.includes(SECRET)) leaks.push('an Event Log entry');
    for (const m of smtp.received) if (m.raw.includes(SECRET)) leaks.push('the alert e-mail body');
    for (const c of st.calls) if (JSON.stringify(c).includes(SECRET)) leaks.push(`a PowerShell call (${c.Command})`);
    if (leaks.length) problems.push(`SECRET LEAKED into: ${leaks.join(', ')}`);
    // Report/status output must not leak it either.
    for (const cmd of [
      ['status', '--json'],
      ['report', '--json'],
      ['list', '--json'],
    ]) {
      const o = await cli([...cmd, '--config', configFile], { env });
      if (o.stdout.includes(SECRET) || o.stderr.includes(SECRET)) problems.push(`SECRET LEAKED into ${cmd[0]} output`);
    }
    // The CLI does not send alerts yet (notifyRunFinished is not called by `backup`): the e-mail path
    // is exercised in-process below (emailSecretTrial). Noted, not failed, so the lead can decide.
    const mailNote =
      smtp.authAttempts.length === 0 && smtp.received.length === 0
        ? '; NOTE: the CLI sent no alert e-mail (alerts not wired into backup)'
        : '';
    if (mailNote) return { campaign: 'security', name: s.name, problems, note: note + mailNote };
    return { campaign: 'security', name: s.name, problems, note };
  } finally {
    await smtp.close();
    await server?.cleanup();
    await tls.cleanup();
  }
}

async function selfSignedCertDir() {
  const { tempDir } = await import('../../helpers/cli');
  const t = await tempDir('avb-torture-tls-');
  const c = await selfSignedCert(t.dir);
  return { ...c, cleanup: t.cleanup };
}

async function serverView(server: SimulatedServer) {
  const st = await server.readState();
  return { shares: st.shares.map(shareFromSim), services: st.services.map(serviceFromSim) };
}

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const p = path.join(root, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/**
 * The alert path in-process (the CLI does not call it yet): notifyRunFinished with the password in
 * passwordEnv, against a real SMTP server that accepts it, or refuses it (a failing run's alert).
 * The secret must not appear in the result, the log, the Event Log entries or the mail.
 */
async function emailSecretTrial(refused: boolean): Promise<TrialResult> {
  const { notifyRunFinished } = await import('../../../src/report/notify');
  const { createMemoryHost } = await import('../../../src/host/memory');
  const pino = (await import('pino')).default;
  const tls = await selfSignedCertDir();
  const smtp = await startSmtp({
    key: tls.key,
    cert: tls.cert,
    user: 'backup@hospital.example',
    password: refused ? 'a different password' : SECRET,
  });
  const problems: string[] = [];
  try {
    let logged = '';
    const log = pino({ level: 'debug' }, { write: (line: string) => void (logged += line) });
    const host = createMemoryHost();
    const email = {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'starttls' as const,
      caFile: tls.certFile,
      user: 'backup@hospital.example',
      passwordEnv: 'AVB_TORTURE_SMTP_PASSWORD',
      from: 'backup@hospital.example',
      to: ['it@hospital.example'],
      onSuccess: true,
    };
    const now = new Date();
    const result = await notifyRunFinished(
      { alerts: { eventLog: { enabled: true, source: 'avimark-backup' }, email } },
      {
        command: 'backup',
        outcome: 'failure',
        exitCode: 1,
        startedAt: now,
        finishedAt: now,
        computerName: 'SIMSRV01',
        message: 'the run failed',
        summary: null,
      },
      host,
      log,
      { env: { AVB_TORTURE_SMTP_PASSWORD: SECRET }, readFile: async (p: string) => readFileSync(p, 'utf8') },
    );
    if (refused === result.emailSent)
      problems.push(
        `emailSent=${result.emailSent} with the password ${refused ? 'refused' : 'accepted'}: ${result.problems.join('; ')}`,
      );
    const leaks: string[] = [];
    if (JSON.stringify(result).includes(SECRET)) leaks.push('the result');
    if (logged.includes(SECRET)) leaks.push('the log');
    if (JSON.stringify(host.state.events).includes(SECRET)) leaks.push('the Event Log');
    for (const m of smtp.received) if (m.raw.includes(SECRET)) leaks.push('the e-mail');
    if (leaks.length) problems.push(`SECRET LEAKED into: ${leaks.join(', ')}`);
    return {
      campaign: 'security',
      name: `e-mail secret (${refused ? 'password refused' : 'password accepted'})`,
      problems,
      note: `sent=${result.emailSent}; ${result.problems.join('; ').slice(0, 120)}`,
    };
  } finally {
    await smtp.close();
    await tls.cleanup();
  }
}
