import { existsSync } from 'node:fs';
import { appendFile, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DENY_ALL_SHARE_SDDL } from '../../../src/lockout/steps';
import { runCli } from '../../helpers/cli';
import { simServerState, simulatedHospital, type SimHospital } from '../../helpers/hospital';

let h: SimHospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});
beforeAll(() => {
  if (!existsSync(path.join(__dirname, '../../../dist/avimark-backup.cjs')))
    throw new Error('build the bundle first: node build.mjs --bundle-only');
});

function backup(hh: SimHospital, extraArgs: string[] = []) {
  return runCli(['backup', '--config', hh.configFile, '--json', ...extraArgs], {
    env: { ...hh.server.env, AVIMARK_TEST_CLI: 'bundle' },
    timeoutMs: 180_000,
  });
}

describe('nightly cycle through the real PowerShell bridge and the simulated server', { timeout: 240_000 }, () => {
  for (const mode of ['offline', 'presync', 'vss'] as const) {
    it(`${mode}: full cycle; the server is exactly as before; the snapshot is complete`, async () => {
      h = await simulatedHospital();
      await h.writeConfig({ mode });
      const before = await simServerState(h);
      const stubborn = h.server.processes[1];
      // A stand-in AVImark writing while it runs (the presync online pass copies a moving file).
      const client = path.join(h.source, 'CLIENT.V2$');
      let writes = 0;
      const timer = setInterval(() => {
        if (!h?.server.isAlive(stubborn.pid)) return;
        writes += 1;
        void appendFile(client, `record ${writes}\n`);
      }, 20);
      let r;
      try {
        r = await backup(h);
      } finally {
        clearInterval(timer);
      }
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.mode).toBe(mode);
      expect(summary.offlineSeconds).toBeGreaterThan(0);
      expect(summary.lockoutSteps.map((s: { step: string }) => s.step)).toEqual([
        expect.stringMatching(/^safety net: scheduled task .* runs recover at /),
        `rename executable ${path.join(h.source, 'avimark.exe')}`,
        'lock share AVImark (deny-all ACL)',
        `ask ${h.processName}, AVImarkGuardian to close (grace 1s)`, // issue 13 §8: before files and services
        `close open files under ${h.source}`,
        'stop and disable service AVImarkServer',
        'stop and disable service VetLogicSync',
        `force-stop ${h.processName}, AVImarkGuardian`,
      ]);
      expect(await simServerState(h)).toEqual(before);
      const snap = path.join(h.dest, 'snapshots', summary.snapshotId);
      expect((await readdir(snap)).sort()).toEqual(['ANIMAL.V2$', 'AVImark.db$', 'CLIENT.V2$', 'avimark.exe']);
      // As it was at lockout: the writer stopped when it was force-stopped, and nothing changed after.
      expect(await readFile(path.join(snap, 'CLIENT.V2$'), 'utf8')).toBe(await readFile(client, 'utf8'));
      const st = await h.server.readState();
      expect(st.messages.map((m) => m.Text).at(-1)).toMatch(/available again/);
      expect(st.openFiles).toEqual([]);
      expect(h.server.processes.every((p) => !h?.server.isAlive(p.pid))).toBe(true);
      if (mode === 'vss') expect(st.shadowCopies).toEqual([]);
      const status = await runCli(['status', '--config', h.configFile, '--json'], { env: h.server.env });
      expect(JSON.parse(status.stdout)).toMatchObject({ state: 'free', lastRun: { result: 'success', mode } });
    });
  }

  it('a service that will not stop: exit 1 naming it; everything given back', async () => {
    h = await simulatedHospital();
    h.server.updateState((st) => {
      st.services[0].RefusesStop = true;
    });
    const before = await simServerState(h);
    const r = await backup(h);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stop and disable service AVImarkServer" failed/);
    const after = await simServerState(h);
    // StopPending forever in the simulator: its start type is back; it never left the running states.
    expect(after.shares).toEqual(before.shares);
    expect(after.files).toEqual(before.files);
    expect(after.services[0].startType).toBe('AutomaticDelayedStart');
    expect(after.services[1]).toEqual(before.services[1]);
  });

  it('msg.exe failing: a warning, the backup still runs', async () => {
    h = await simulatedHospital();
    h.server.updateState((st) => {
      st.msg.behaviour = 'fail';
    });
    const r = await backup(h);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).warnings.join('\n')).toMatch(/users could not be messaged/);
  });

  it('--dry-run prints the plan and changes nothing on the server', async () => {
    h = await simulatedHospital();
    const before = await simServerState(h);
    const r = await runCli(['backup', '--config', h.configFile, '--dry-run'], { env: h.server.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('HOSP\\anna on FRONTDESK1 (SMB)');
    expect(r.stdout).toContain(DENY_ALL_SHARE_SDDL);
    expect(await simServerState(h)).toEqual(before);
    expect((await h.server.readState()).messages).toEqual([]);
  });
});
