/**
 * `npm run demo`: two nights of the real avimark-backup CLI against a simulated Windows server.
 *
 * A generated AVImark-like folder sits on the simulated C: volume, shared as \\SIMSRV01\AVImark with
 * a custom ACL; two users have files open over SMB; AVImarkServer runs under a watchdog that restarts
 * it unless it is Disabled; two AVImark processes run, one of which ignores every polite request.
 * Night 1 runs in `auto` mode (shadow copies work here, so vss), a day of work follows, night 2 runs
 * in `presync` mode, then the demo verifies and restores the newest snapshot and prints the server
 * before and after each night to show that everything was given back exactly.
 *
 * Bundled to dist/demo/demo.cjs (two folders below the repo root, so the test helpers find
 * test/sim). Options: --keep (leave the temp folder), --size-mib N (default 24).
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { churn, generateAvimarkTree } from '../bench/generate';
import type { ShareDefinition } from '../src/host/types';
import { bundlePath, pwshPath } from '../test/helpers/pwsh';
import { createSimulatedServer, serviceFromSim, shareFromSim, type SimulatedServer } from '../test/helpers/sim';
import { treeHashes } from '../test/helpers/tree-hash';

const SDDL = 'O:BAG:DUD:(A;;FA;;;BA)(A;;0x1301bf;;;DU)(D;;FA;;;S-1-5-21-1-2-3-1105)';
const keep = process.argv.includes('--keep');
const sizeArg = process.argv.indexOf('--size-mib');
const sizeMiB = sizeArg > 0 ? Number(process.argv[sizeArg + 1]) : 24;

function heading(text: string): void {
  process.stdout.write(`\n=== ${text} ${'='.repeat(Math.max(0, 72 - text.length))}\n`);
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Runs the real CLI (the bundle) against the simulator, its output shown as it comes. */
function cli(server: SimulatedServer, args: string[]): Promise<{ code: number | null; stdout: string }> {
  say(`$ avimark-backup ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundlePath, ...args], {
      env: server.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      process.stdout.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      say(`(exit code ${code})`);
      resolve({ code, stdout });
    });
  });
}

async function serverPicture(server: SimulatedServer, source: string): Promise<string[]> {
  const st = await server.readState();
  const share = st.shares.map(shareFromSim)[0];
  const { readdir } = await import('node:fs/promises');
  const exes = (await readdir(source)).filter((n) => /\.exe/i.test(n));
  return [
    `  share ${share?.name ?? '(none)'}: ${share?.securityDescriptor ?? '-'}`,
    ...st.services.map(serviceFromSim).map((s) => `  service ${s.name}: ${s.status}, ${s.startType}`),
    `  executables: ${exes.join(', ')}`,
    `  SMB open files: ${st.openFiles.length}, sessions: ${st.sessions.length}`,
    `  AVImark processes alive: ${server.processes.filter((p) => server.isAlive(p.pid)).length} of ${server.processes.length}`,
  ];
}

async function usersArrive(server: SimulatedServer, source: string): Promise<void> {
  server.updateState((st) => {
    st.sessions = [
      { SessionId: 1001, ClientComputerName: 'FRONTDESK1', ClientUserName: 'HOSP\\anna', NumOpens: 1 },
      { SessionId: 1002, ClientComputerName: 'EXAM3', ClientUserName: 'HOSP\\dan', NumOpens: 1 },
    ];
    st.openFiles = [
      {
        FileId: 5001,
        SessionId: 1001,
        Path: path.join(source, 'CLIENT.V2$'),
        ShareRelativePath: 'CLIENT.V2$',
        ClientComputerName: 'FRONTDESK1',
        ClientUserName: 'HOSP\\anna',
      },
      {
        FileId: 5002,
        SessionId: 1002,
        Path: path.join(source, 'ANIMAL.V2$'),
        ShareRelativePath: 'ANIMAL.V2$',
        ClientComputerName: 'EXAM3',
        ClientUserName: 'HOSP\\dan',
      },
    ];
  });
  await server.startProcess({ name: 'avimark', exitsOnMessage: true });
  await server.startProcess({ name: 'avimark' });
}

async function main(): Promise<void> {
  const server = await createSimulatedServer((paths) => {
    const share: ShareDefinition = {
      name: 'AVImark',
      scopeName: '*',
      path: path.join(paths.volumeRoot, 'AVImark'),
      description: 'AVImark data',
      concurrentUserLimit: 0,
      cachingMode: 'Manual',
      folderEnumerationMode: 'Unrestricted',
      encryptData: false,
      continuouslyAvailable: false,
      caTimeout: 0,
      temporary: false,
      special: false,
      securityDescriptor: SDDL,
    };
    return {
      shares: [share],
      services: [
        {
          name: 'AVImarkServer',
          displayName: 'AVImark Server',
          status: 'Running',
          startType: 'AutomaticDelayedStart',
          watchdog: true,
          watchdogDelayMs: 300,
        },
      ],
    };
  });
  const source = path.join(server.volumeRoot, 'AVImark');
  const dest = path.join(server.dir, 'backups');
  const configFile = path.join(server.dir, 'avimark-backup.json');
  try {
    heading('1. An AVImark-like data folder on the simulated server');
    const stats = generateAvimarkTree({ dir: source, totalBytes: sizeMiB * 1024 * 1024 });
    say(
      `Generated ${stats.files} files in ${stats.dirs} folders, ${(stats.bytes / 1024 / 1024).toFixed(1)} MiB, at ${source}`,
    );
    say(
      `(the simulated C: volume is ${server.volumeRoot}; the simulated server runs in real PowerShell ${pwshPath()})`,
    );
    await usersArrive(server, source);
    say(
      'Two users have CLIENT.V2$ and ANIMAL.V2$ open over SMB; two AVImark processes run, one ignores every polite request;',
    );
    say('AVImarkServer runs under a watchdog that restarts it unless it is Disabled.');

    const config = (mode: string) => ({
      source,
      destination: dest,
      stateDir: path.join(server.dir, 'state'),
      mode,
      powershell: { executable: pwshPath() },
      lockout: {
        share: { name: 'AVImark' },
        services: [{ name: 'AVImarkServer' }],
        warnMinutes: [0.05, 0],
        warnMessage: 'AVImark will close in {minutes} minute(s) for the nightly backup. It will be back by {backBy}.',
        gracePeriodSeconds: 2,
        serviceTimeoutSeconds: 10,
        maxLockoutMinutes: 10,
      },
    });
    await writeFile(configFile, JSON.stringify(config('auto'), null, 2));
    say(`Config: ${configFile}`);

    heading('2. Night 1 (mode auto: shadow copies work here, so vss)');
    say('Server before:');
    for (const l of await serverPicture(server, source)) say(l);
    const before1 = (await serverPicture(server, source)).slice(0, 3);
    const night1 = await cli(server, ['backup', '--config', configFile]);
    say('Server after:');
    const after1 = await serverPicture(server, source);
    for (const l of after1) say(l);
    say(
      JSON.stringify(before1) === JSON.stringify(after1.slice(0, 3))
        ? 'Share ACL, service start type and state, executable names: exactly as before.'
        : 'DIFFERENT FROM BEFORE!',
    );
    const messages = (await server.readState()).messages.map((m) => `  msg: ${m.Text}`);
    say('Messages users saw:');
    for (const m of messages) say(m);
    if (night1.code !== 0) throw new Error('night 1 failed');

    heading('3. A day at the hospital');
    const day = churn({ dir: source, seed: 7, night: 1 });
    say(
      `${day.modified.length} files changed in place, ${day.appended.length} grew, ${day.created.length} new, ${day.deleted.length} deleted (${(day.bytesWritten / 1024 / 1024).toFixed(1)} MiB written)`,
    );
    await usersArrive(server, source);

    heading('4. Night 2 (mode presync: copy online first, then only the changes while offline)');
    await writeFile(configFile, JSON.stringify(config('presync'), null, 2));
    const before2 = (await serverPicture(server, source)).slice(0, 3);
    const night2 = await cli(server, ['backup', '--config', configFile]);
    const after2 = await serverPicture(server, source);
    for (const l of after2) say(l);
    say(
      JSON.stringify(before2) === JSON.stringify(after2.slice(0, 3))
        ? 'Share ACL, service start type and state, executable names: exactly as before.'
        : 'DIFFERENT FROM BEFORE!',
    );
    if (night2.code !== 0) throw new Error('night 2 failed');

    heading('5. Status, list, verify');
    await cli(server, ['status', '--config', configFile]);
    await cli(server, ['list', '--config', configFile]);
    await cli(server, ['verify', '--config', configFile]);

    heading('6. Restore the newest snapshot and compare it with the live folder');
    const restored = path.join(server.dir, 'restored');
    await mkdir(restored);
    const restore = await cli(server, ['restore', 'latest', '--to', restored, '--config', configFile]);
    const [a, b] = await Promise.all([treeHashes(source), treeHashes(restored)]);
    const same = JSON.stringify(a) === JSON.stringify(b);
    say(
      same
        ? `The restored folder is identical to the live folder (${Object.keys(a).length} entries, SHA-256 each).`
        : 'The restored folder DIFFERS from the live folder!',
    );
    if (restore.code !== 0 || !same) throw new Error('restore check failed');

    heading('Done');
    say(
      `Snapshots are plain folders under ${path.join(dest, 'snapshots')}; the run log is under ${path.join(server.dir, 'state', 'logs')}.`,
    );
    if (keep) say(`Kept ${server.dir} (--keep).`);
  } finally {
    if (!keep) await server.cleanup();
    else for (const p of server.processes) if (server.isAlive(p.pid)) p.child.kill('SIGKILL');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
