import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SelftestReport } from '../../src/selftest/types';
import { runCli } from '../helpers/cli';
import { pwshPath } from '../helpers/pwsh';
import { createSimulatedServer, type SimulatedServer } from '../helpers/sim';

/**
 * `avimark-backup selftest` (the built CLI) against the simulated Windows server through the real
 * PowerShell bridge: every capability is reported as working, and the server is left as it was —
 * AVImark's share, service and the task list unchanged, no shadow copy left, only the probe event.
 */

let sim: SimulatedServer;
let configPath: string;
let stateDir: string;

beforeAll(async () => {
  sim = await createSimulatedServer((p) => ({
    shares: [
      {
        name: 'AVImark',
        scopeName: '*',
        path: `${p.volumeRoot}AVImark`,
        description: 'AVImark data',
        concurrentUserLimit: 0,
        cachingMode: 'Manual',
        folderEnumerationMode: 'Unrestricted',
        encryptData: false,
        continuouslyAvailable: false,
        caTimeout: 0,
        temporary: false,
        special: false,
        securityDescriptor: 'O:BAG:BAD:(A;;FA;;;WD)(D;;WD;;;S-1-5-21-1-2-3-1001)',
      },
    ],
    services: [{ name: 'AVImarkServer', startType: 'AutomaticDelayedStart' }],
  }));
  await mkdir(path.join(sim.volumeRoot, 'AVImark'), { recursive: true });
  await writeFile(path.join(sim.volumeRoot, 'AVImark', 'CLIENT.V2$'), 'client data');
  stateDir = path.join(sim.volumeRoot, 'ProgramData', 'avimark-backup');
  configPath = path.join(sim.dir, 'config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      source: path.join(sim.volumeRoot, 'AVImark'),
      destination: path.join(sim.dir, 'backups'),
      stateDir,
      powershell: { executable: pwshPath(), callTimeoutSeconds: 60 },
    }),
  );
});
afterAll(async () => sim?.cleanup());

describe('selftest against the simulated Windows server', () => {
  it('reports every capability working and leaves the server as it found it', async () => {
    const before = await sim.readState();
    const result = await runCli(['selftest', '--config', configPath, '--json'], { env: sim.env, timeoutMs: 240_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as SelftestReport;
    expect(report.simulated).toBe(true);
    expect(report.checks.map((c) => [c.id, c.status, c.status === 'ok' ? '' : c.detail])).toEqual([
      ['powershell', 'ok', ''],
      ['share', 'ok', ''],
      ['shadow', 'ok', ''],
      ['message', 'ok', ''],
      ['eventlog', 'ok', ''],
      ['task', 'ok', ''],
      ['email', 'skipped', 'alerts.email is not configured'],
    ]);

    const after = await sim.readState();
    expect(after.shares).toEqual(before.shares);
    expect(after.services).toEqual(before.services);
    expect(after.shadowCopies).toEqual([]);
    expect(after.scheduledTasks ?? []).toEqual(before.scheduledTasks ?? []);
    expect(after.events.map((e) => [e.Source, e.EventId, e.EntryType])).toEqual([
      ['avimark-backup', 1010, 'Information'],
    ]);
    // The message went to one session, never to every user (`msg *`).
    expect(after.messages).toHaveLength(1);
    expect(after.messages[0].Target).toMatch(/^\d+$/);
    // Only the throwaway share was ever changed or removed.
    const touched = after.calls
      .filter((c) =>
        [
          'New-SmbShare',
          'Set-SmbShare',
          'Remove-SmbShare',
          'Register-ScheduledTask',
          'Unregister-ScheduledTask',
        ].includes(c.Command),
      )
      .map((c) => [c.Command, c.Parameters.Name ?? c.Parameters.TaskName]);
    expect(touched.length).toBeGreaterThanOrEqual(6);
    for (const [, name] of touched) expect(String(name)).toMatch(/^(avb-selftest-[0-9a-f]{8}\$|selftest-[0-9a-f]{8})$/);
    expect(after.calls.some((c) => /^(Stop|Set)-Service$|^Stop-Process$|^Close-Smb/.test(c.Command))).toBe(false);
    // No throwaway folder left behind.
    expect(await readdir(stateDir).catch(() => [])).not.toContainEqual(expect.stringMatching(/selftest/));
    expect((await readdir(sim.volumeRoot)).filter((n) => n.includes('selftest'))).toEqual([]);
  }, 300_000);

  it('prints a readable report and exits 1 with the fix when a capability fails', async () => {
    sim.updateState((s) => {
      s.volumes = s.volumes.map((v) => ({ ...v, FileSystem: 'FAT32' }));
    });
    const result = await runCli(['selftest', '--config', configPath], { env: sim.env, timeoutMs: 240_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/\[FAIL\] Volume shadow copy of the source's volume/);
    expect(result.stdout).toMatch(/fix: Shadow copies need an elevated process/);
    expect(result.stdout).toMatch(/\[ ok \] SMB share/);
    expect(result.stdout).toMatch(/1 of 7 checks FAILED/);
  }, 300_000);
});
