/**
 * Issue 13 §3: Start-Service on a service that is still StopPending fails on Windows: the service
 * manager answers ERROR_SERVICE_ALREADY_RUNNING (1056), PowerShell ignores that code, waits 2 s for
 * Running and then writes "Failed to start service '<display> (<name>)'." (StartServiceFailed); the
 * service finishes stopping afterwards and stays down.
 * Switches: knobs.startServiceOnPendingFails, knobs.stopPendingMs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { settingsFromInput } from '../../../src/config/load';
import { runNightlyCycle } from '../../../src/cycle/nightly';
import { readLastJournal } from '../../../src/lockout/journal';
import { silentLogger } from '../../../src/log/logger';
import { simServerState, simulatedHospital, type SimHospital } from '../../helpers/hospital';
import { pwshPath } from '../../helpers/pwsh';
import { runPwsh } from '../../helpers/run-pwsh';
import { createSimulatedServer, type SimulatedServer } from '../../helpers/sim';

let server: SimulatedServer | undefined;
let h: SimHospital | undefined;
afterEach(async () => {
  await server?.cleanup();
  server = undefined;
  await h?.cleanup();
  h = undefined;
});

const stopThenStart = `
$ErrorActionPreference = 'Continue'
Stop-Service -Name AVImarkServer -NoWait
$sw = [Diagnostics.Stopwatch]::StartNew()
Start-Service -Name AVImarkServer -ErrorVariable failed -ErrorAction SilentlyContinue
[ordered]@{
  seconds = $sw.Elapsed.TotalSeconds
  error = $(if ($failed) { "$($failed[0].FullyQualifiedErrorId)|$($failed[0].Exception.Message)" } else { $null })
  status = [int](Get-Service -Name AVImarkServer).Status
} | ConvertTo-Json -Compress`;

function serverWith(knobs: Record<string, unknown>) {
  return createSimulatedServer({
    services: [{ name: 'AVImarkServer', displayName: 'AVImark Server', status: 'Running', startType: 'Automatic' }],
    knobs,
  });
}

describe('simulator: Start-Service on a StopPending service', { timeout: 180_000 }, () => {
  it('switch on: fails after ~2 s with StartServiceFailed, and the service then finishes stopping', async () => {
    server = await serverWith({ startServiceOnPendingFails: true, stopPendingMs: 6000 });
    const r = await runPwsh(stopThenStart, server.env);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out.error).toBe(
      "StartServiceFailed,Start-Service|Failed to start service 'AVImark Server (AVImarkServer)'.",
    );
    expect(out.seconds).toBeGreaterThanOrEqual(2);
    expect(out.status).toBe(3); // StopPending
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const later = await runPwsh('[int](Get-Service -Name AVImarkServer).Status', server.env);
    expect(later.stdout.trim()).toBe('1'); // Stopped, and it stays down
  });

  it('switch off (the old, kinder simulator): Start-Service succeeds at once', async () => {
    server = await serverWith({ stopPendingMs: 3000 });
    const r = await runPwsh(stopThenStart, server.env);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out.error).toBeNull();
    expect(out.status).toBe(4); // Running
  });
});

describe('product: giving a service back while it is still stopping', { timeout: 180_000 }, () => {
  // issue 13 §3: Invoke-AvbStartService waits for Stopped (up to timeoutSeconds) before Start-Service
  it('host.startService on a StopPending service (stops 3 s later, timeout 15 s) ends Running', async () => {
    server = await serverWith({ startServiceOnPendingFails: true });
    const host = server.createHost({ callTimeoutSeconds: 60 });
    expect((await host.getService('AVImarkServer'))?.status).toBe('Running'); // the bridge is up
    // As Stop-Service -NoWait would leave it: StopPending, stopped 3 s from now.
    server.updateState((st) => {
      const svc = st.services.find((s) => s.Name === 'AVImarkServer');
      if (svc) Object.assign(svc, { Status: 'StopPending', StopRequestedAt: Date.now(), StopDelayMs: 3000 });
    });
    await host.startService('AVImarkServer', 15);
    const st = await server.readState();
    expect(st.services.find((s) => s.Name === 'AVImarkServer')?.Status).toBe('Running');
  });
});

describe('product: the watchdog bounds a step in flight (issue 13 §9)', { timeout: 240_000 }, () => {
  it('a service stop that hangs, with a 0.5-minute limit: AVImark back within the limit + give-back; the message names the step', async () => {
    h = await simulatedHospital();
    const hospital = h;
    // Stop-Service hangs for 200 s (a service manager that does not answer); the call timeout is 120 s, so
    // without the watchdog cutting the call short AVImark stays offline at least 120 s.
    hospital.server.updateState((st) => {
      st.knobs.hang = { 'Stop-Service': 200 };
    });
    const settings = settingsFromInput(
      {
        source: hospital.source,
        destination: hospital.dest,
        stateDir: hospital.stateDir,
        mode: 'offline',
        verify: { after: 'none' },
        powershell: { executable: pwshPath(), callTimeoutSeconds: 120 },
        lockout: {
          services: [{ name: 'AVImarkServer' }, { name: 'VetLogicSync' }],
          warnMinutes: [0],
          gracePeriodSeconds: 1,
          // 1 + 2 × 10 s fits the limit (the config is accepted); the hung call does not.
          serviceTimeoutSeconds: 10,
          maxLockoutMinutes: 0.5,
        },
      },
      null,
    );
    const before = await simServerState(hospital);
    const host = hospital.server.createHost({ callTimeoutSeconds: 120 });
    const err = await runNightlyCycle({ settings, host, log: silentLogger(), handleSignals: false }).catch(
      (e: unknown) => e,
    );
    const message = (err as Error).message;
    expect(message).toMatch(
      /limit of 0\.5 minute\(s\).*lockout step "stop and disable service AVImarkServer" was cut short and AVImark given back; nothing was copied/,
    );
    expect(message).not.toMatch(/the copy was stopped/);
    // AVImark offline from the first lockout step until the last step was given back (the journal's times).
    const journal = await readLastJournal(hospital.stateDir);
    const started = Math.min(...(journal?.entries ?? []).map((e) => Date.parse(e.startedAt ?? '')));
    const back = Math.max(...(journal?.entries ?? []).map((e) => Date.parse(e.undoneAt ?? '')));
    // The limit plus a margin for give-back (a new PowerShell process; slow on a loaded test machine).
    expect((back - started) / 1000).toBeLessThan(30 + 30);
    hospital.server.updateState((st) => {
      st.knobs.hang = {};
    });
    expect(await simServerState(hospital)).toEqual(before);
  });
});
