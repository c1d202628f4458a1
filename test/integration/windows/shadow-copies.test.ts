/**
 * Issue 13 §4: Win32_ShadowCopy.Create reports transient failures through ReturnValue (9 = another
 * shadow copy operation is already in progress, 12 = provider failure, ...), and a Create that outlasts
 * the caller's timeout still leaves a shadow copy behind.
 * Switches: knobs.shadowTransientCodes, knobs.shadowLateCompletionSeconds.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { settingsFromInput } from '../../../src/config/load';
import { runNightlyCycle } from '../../../src/cycle/nightly';
import { recoverLockout } from '../../../src/lockout/recover';
import { readShadowRecord } from '../../../src/lockout/shadow-journal';
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

const create = `(Invoke-CimMethod -ClassName Win32_ShadowCopy -MethodName Create -Arguments @{ Volume = $env:SIM_VOLUME; Context = 'ClientAccessible' }).ReturnValue`;
const count = '@(Get-CimInstance -ClassName Win32_ShadowCopy).Count';

describe('simulator: shadow copies as unkind as VSS', { timeout: 180_000 }, () => {
  it('shadowTransientCodes: each Create consumes one code, then Create succeeds', async () => {
    server = await createSimulatedServer({ knobs: { shadowTransientCodes: [9, 12] } });
    const env = { ...server.env, SIM_VOLUME: server.volumeRoot };
    const r = await runPwsh(`${create}; ${create}; ${create}; ${count}`, env);
    expect(r.stdout.trim().split('\n')).toEqual(['9', '12', '0', '1']);
    expect((await server.readState()).knobs.shadowTransientCodes).toEqual([]);
  });

  it('shadowLateCompletionSeconds: the caller is killed while waiting, the shadow copy appears anyway', async () => {
    server = await createSimulatedServer({ knobs: { shadowLateCompletionSeconds: 20 } });
    const env = { ...server.env, SIM_VOLUME: server.volumeRoot };
    // The probe lists shadow copies the moment Create has made one (independent of pwsh start-up time).
    const probe = runPwsh(
      `while (@((Read-AvbSimState).shadowCopies).Count -eq 0) { Start-Sleep -Milliseconds 20 }; ${count}`,
      server.env,
    );
    const child = spawn(pwshPath(), ['-NoProfile', '-NonInteractive', '-Command', create], { env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const during = await probe;
    expect(child.exitCode).toBeNull(); // Create is still running: the caller gives up now
    child.kill('SIGKILL');
    await exited;
    expect(during.stdout.trim()).toBe('0'); // not listed yet
    const entry = (await server.readState()).shadowCopies[0] as Record<string, unknown>;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(entry.VisibleAfterMs) - Date.now() + 100)));
    const after = await runPwsh(count, server.env);
    expect(after.stdout.trim()).toBe('1'); // completed after the caller gave up
  });
});

/** The nightly cycle on the simulated hospital, in `mode`, with `vss` settings; the sim knobs set first. */
async function nightWith(
  mode: string,
  knobs: Record<string, unknown>,
  vss: Record<string, unknown> = {},
  callTimeoutSeconds = 60,
) {
  h = await simulatedHospital();
  const hospital = h;
  // A shadow copy that is not ours (Previous Versions, another backup tool): never touched.
  const foreign = await runPwsh(create, { ...hospital.server.env, SIM_VOLUME: hospital.server.volumeRoot });
  expect(foreign.stdout.trim()).toBe('0');
  hospital.server.updateState((st) => Object.assign(st.knobs, knobs));
  const settings = settingsFromInput(
    {
      source: hospital.source,
      destination: hospital.dest,
      stateDir: hospital.stateDir,
      mode,
      vss: { retrySeconds: 10, ...vss },
      verify: { after: 'none' },
      powershell: { executable: pwshPath(), callTimeoutSeconds: 60 },
      lockout: {
        services: [{ name: 'AVImarkServer' }, { name: 'VetLogicSync' }],
        warnMinutes: [0],
        gracePeriodSeconds: 1,
        serviceTimeoutSeconds: 5,
      },
    },
    null,
  );
  const before = await simServerState(hospital);
  const host = hospital.server.createHost({ callTimeoutSeconds });
  const result = await runNightlyCycle({ settings, host, log: silentLogger(), handleSignals: false }).catch(
    (e: unknown) => e as Error,
  );
  return { hospital, before, result, host, foreignId: (await hospital.server.readState()).shadowCopies[0]?.ID };
}

describe('product: shadow copies that fail for a moment, or for good (issue 13 §4)', { timeout: 240_000 }, () => {
  it('mode vss: Create answers 9 then 12 (transient), the cycle retries and backs up from the shadow copy', async () => {
    const { hospital, before, result } = await nightWith('vss', { shadowTransientCodes: [9, 12] });
    expect(result).not.toBeInstanceOf(Error);
    if (result instanceof Error) return;
    expect(result.record?.result).toBe('success');
    const st = await hospital.server.readState();
    expect(st.knobs.shadowTransientCodes).toEqual([]); // both codes were consumed: Create was tried three times
    expect(st.shadowCopies).toHaveLength(1); // ours is deleted after the copy; the foreign one stays
    expect(await simServerState(hospital)).toEqual(before);
  });

  it('mode auto, vss.onFailure "offline": a shadow copy that fails for good is replaced by an offline copy under the same lockout', async () => {
    const { hospital, before, result } = await nightWith('auto', { shadowTransientCodes: [10] });
    expect(result).not.toBeInstanceOf(Error);
    if (result instanceof Error) return;
    expect(result.record?.result).toBe('success');
    expect(result.warnings.join('\n')).toMatch(
      /could not be taken .*returned 10.*copied offline under the same lockout/,
    );
    expect(await simServerState(hospital)).toEqual(before);
  });

  it('mode auto, vss.onFailure "fail": AVImark is given back and the run fails naming the shadow copy', async () => {
    const { hospital, before, result } = await nightWith('auto', { shadowTransientCodes: [10] }, { onFailure: 'fail' });
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/Win32_ShadowCopy\.Create returned 10/);
    expect(await simServerState(hospital)).toEqual(before);
  });

  it('a Create that completes after the run gave up waiting: recover deletes ours, never the foreign one', async () => {
    const { hospital, before, result, host } = await nightWith('vss', { shadowLateCompletionSeconds: 15 }, {}, 6);
    expect(result).toBeInstanceOf(Error); // mode vss: the shadow copy did not answer in time
    expect(await simServerState(hospital)).toEqual(before); // AVImark was given back
    const record = await readShadowRecord(hospital.stateDir);
    expect(record).toMatchObject({ id: null });
    const st = await hospital.server.readState();
    const foreignId = st.shadowCopies.find((s) => !(s as Record<string, unknown>).VisibleAfterMs)?.ID;
    const late = st.shadowCopies.find((s) => (s as Record<string, unknown>).VisibleAfterMs) as Record<string, unknown>;
    expect(late).toBeDefined();
    await new Promise((r) => setTimeout(r, Math.max(0, Number(late.VisibleAfterMs) - Date.now() + 200)));
    const recovered = await recoverLockout({ host, stateDir: hospital.stateDir, log: silentLogger() });
    expect(recovered.warnings.join('\n')).toMatch(/shadow copy .* left by an earlier run was deleted/);
    expect((await hospital.server.readState()).shadowCopies.map((s) => s.ID)).toEqual([foreignId]);
    expect(await readShadowRecord(hospital.stateDir)).toBeNull();
  });
});
