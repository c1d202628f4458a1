/**
 * Issue 13 §4: Win32_ShadowCopy.Create reports transient failures through ReturnValue (9 = another
 * shadow copy operation is already in progress, 12 = provider failure, ...), and a Create that outlasts
 * the caller's timeout still leaves a shadow copy behind.
 * Switches: knobs.shadowTransientCodes, knobs.shadowLateCompletionSeconds.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { pwshPath } from '../../helpers/pwsh';
import { runPwsh } from '../../helpers/run-pwsh';
import { createSimulatedServer, type SimulatedServer } from '../../helpers/sim';

let server: SimulatedServer | undefined;
afterEach(async () => {
  await server?.cleanup();
  server = undefined;
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
