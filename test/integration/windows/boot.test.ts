/**
 * Issue 13 §6: right after boot the Server service / SMB WMI provider and the service control manager
 * may not answer yet; `recover` at boot (startup task, Group Policy script) must retry for minutes.
 * Switch: knobs.bootNotReady = { calls?: N, untilMs?: epoch ms, commands?: [...] }.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newJournal } from '../../../src/lockout/journal';
import { recoverLockout } from '../../../src/lockout/recover';
import { LockoutSession } from '../../../src/lockout/session';
import { DENY_ALL_SHARE_SDDL, type LockoutStep } from '../../../src/lockout/steps';
import { silentLogger } from '../../../src/log/logger';
import { runPwsh } from '../../helpers/run-pwsh';
import { createSimulatedServer, shareFromSim, type SimulatedServer } from '../../helpers/sim';
import { simServerState, simulatedHospital, type SimHospital } from '../../helpers/hospital';

let server: SimulatedServer | undefined;
let h: SimHospital | undefined;
afterEach(async () => {
  await server?.cleanup();
  await h?.cleanup();
  server = undefined;
  h = undefined;
});

const probe = `foreach ($i in 1..3) {
  try { Get-SmbShare | Out-Null; 'ok' } catch { "$($_.FullyQualifiedErrorId)|$($_.Exception.Message)" }
}
try { Get-Service | Out-Null; 'ok' } catch { "$($_.FullyQualifiedErrorId)|$($_.Exception.Message)" }`;

describe('simulator: a server that is still booting', { timeout: 180_000 }, () => {
  it('bootNotReady.calls: the first N SMB/service calls fail like an unstarted Server service / SCM, then all answer', async () => {
    server = await createSimulatedServer({ knobs: { bootNotReady: { calls: 2 } } });
    const r = await runPwsh(probe, server.env);
    expect(r.stdout.trim().split('\n')).toEqual([
      'Windows System Error 2114,Get-SmbShare|The Server service is not started.',
      'Windows System Error 2114,Get-SmbShare|The Server service is not started.',
      'ok',
      'ok',
    ]);
  });

  it('bootNotReady.untilMs: every call fails until that time', async () => {
    server = await createSimulatedServer({ knobs: { bootNotReady: { untilMs: Date.now() + 600_000 } } });
    const r = await runPwsh(probe, server.env);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 3).every((l) => l.startsWith('Windows System Error 2114'))).toBe(true);
    expect(lines[3]).toMatch(/^CouldNotOpenServiceControlManager,Get-Service\|Cannot open Service Control Manager/);
  });
});

describe('product: recover while the server is still booting', { timeout: 180_000 }, () => {
  it('recover gives everything back once SMB and the service manager answer (first 12 calls fail)', async () => {
    h = await simulatedHospital();
    const before = await simServerState(h);
    const host = h.server.createHost({ callTimeoutSeconds: 30 });
    const original = shareFromSim((await h.server.readState()).shares[0]);
    const steps: LockoutStep[] = [
      { kind: 'lockShareSddl', share: 'AVImark', original, lockedSddl: DENY_ALL_SHARE_SDDL },
      {
        kind: 'stopService',
        service: 'AVImarkServer',
        originalStartType: 'AutomaticDelayedStart',
        originalStatus: 'Running',
        timeoutSeconds: 5,
      },
    ];
    const session = new LockoutSession({
      host,
      stateDir: h.stateDir,
      journal: newJournal('backup', h.source),
      log: silentLogger(),
    });
    await session.begin();
    await session.lockOut(steps); // then the process "dies" and the server reboots
    expect(await simServerState(h)).not.toEqual(before);
    h.server.updateState((st) => {
      st.knobs.bootNotReady = { calls: 12 };
    });
    await recoverLockout({ host, stateDir: h.stateDir, log: silentLogger() });
    expect(await simServerState(h)).toEqual(before);
  });
});
