/**
 * Issue 13 §2: kills that Node never sees (Task Scheduler's time limit, "End task", endpoint
 * protection: TerminateProcess). The safety net is a one-shot SYSTEM scheduled task running `recover`;
 * the simulated Task Scheduler fires due tasks as real processes (test/sim/scheduler.cjs).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, afterEach, describe, expect, it } from 'vitest';
import { TEST_KILL_AFTER_STEP_ENV } from '../../../src/lockout/session';
import { shadowJournalPath } from '../../../src/lockout/shadow-journal';
import { runCli, startCli } from '../../helpers/cli';
import { bundlePath } from '../../helpers/pwsh';
import { runPwsh } from '../../helpers/run-pwsh';
import { createSimulatedServer, type SimulatedServer } from '../../helpers/sim';
import { simServerState, simulatedHospital, type SimHospital } from '../../helpers/hospital';

let server: SimulatedServer | undefined;
afterEach(async () => {
  await server?.cleanup();
  server = undefined;
});

/** Registers a one-shot SYSTEM task at $env:AT running node with $env:ARGS, the way the product will. */
const register = `$ErrorActionPreference = 'Stop'
$action = New-ScheduledTaskAction -Execute $env:NODE -Argument $env:ARGS
$trigger = New-ScheduledTaskTrigger -Once -At ([DateTime]::Parse($env:AT, [Globalization.CultureInfo]::InvariantCulture))
$principal = New-ScheduledTaskPrincipal -UserId 'NT AUTHORITY\\SYSTEM' -LogonType ServiceAccount -RunLevel Highest
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Seconds $env:LIMIT)
Register-ScheduledTask -TaskName $env:NAME -TaskPath '\\avimark-backup\\' -Action $action -Trigger $trigger -Principal $principal -Settings $settings | Out-Null`;

function localIso(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

describe('simulator: Task Scheduler fires due one-shot tasks', { timeout: 180_000 }, () => {
  it('runs a due task once as a real process, leaves a future task alone, Unregister removes it', async () => {
    server = await createSimulatedServer();
    const marker = path.join(server.dir, 'fired.txt');
    const base = { ...server.env, NODE: process.execPath, LIMIT: '60' };
    const args = `-e "require('fs').appendFileSync(process.argv[1], 'ran ' + process.env.AVIMARK_SIM_STATE)" "${marker}"`;
    const past = await runPwsh(register, {
      ...base,
      NAME: 'due',
      ARGS: args,
      AT: localIso(new Date(Date.now() - 60_000)),
    });
    expect(past.stderr).toBe('');
    await runPwsh(register, { ...base, NAME: 'later', ARGS: args, AT: localIso(new Date(Date.now() + 3_600_000)) });

    const fired = await server.fireDueTasks();
    expect(fired.map((f) => f.taskName)).toEqual(['due']);
    expect(fired[0].results[0].exitCode).toBe(0);
    expect(await readFile(marker, 'utf8')).toBe(`ran ${server.statePath}`);
    expect(await server.fireDueTasks()).toEqual([]); // a one-shot trigger fires once

    const st = await server.readState();
    const due = st.scheduledTasks.find((t) => (t as { TaskName: string }).TaskName === 'due') as Record<
      string,
      unknown
    >;
    expect(due.LastTaskResult).toBe(0);
    expect((due.Principal as Record<string, unknown>).UserId).toBe('NT AUTHORITY\\SYSTEM');

    const inAnHour = await server.fireDueTasks({ now: new Date(Date.now() + 3_700_000) });
    expect(inAnHour.map((f) => f.taskName)).toEqual(['later']);

    await runPwsh(
      "Unregister-ScheduledTask -TaskName 'later' -TaskPath '\\avimark-backup\\' -Confirm:$false",
      server.env,
    );
    const left = (await server.readState()).scheduledTasks.map((t) => (t as { TaskName: string }).TaskName);
    expect(left).toEqual(['due']);
  });

  it('ExecutionTimeLimit terminates the action (TerminateProcess: no handler runs)', async () => {
    server = await createSimulatedServer();
    const env = {
      ...server.env,
      NODE: process.execPath,
      LIMIT: '1',
      NAME: 'slow',
      AT: localIso(new Date(Date.now() - 1000)),
    };
    await runPwsh(register, { ...env, ARGS: '-e "setTimeout(() => {}, 60000)"' });
    const started = Date.now();
    const fired = await server.fireDueTasks();
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(fired[0].results[0].signal).toBe('SIGKILL');
  });
});

const STEPS = [
  'safety net',
  'rename executable',
  'lock share',
  'polite close',
  'close open files',
  'stop AVImarkServer',
  'stop VetLogicSync',
  'force-stop',
];

describe('product: kill -9 at each lockout step, then only the safety-net task runs recover', {
  timeout: 240_000,
}, () => {
  STEPS.forEach((name, i) => {
    const n = i + 1;
    describe(`after step ${n} (${name})`, () => {
      let h: SimHospital | undefined;
      let before: Awaited<ReturnType<typeof simServerState>>;
      beforeAll(async () => {
        expect(existsSync(bundlePath), `the bundle ${bundlePath} is needed: node build.mjs --bundle-only`).toBe(true);
        h = await simulatedHospital();
        await h.writeConfig({ lockout: { warnMinutes: [0] } });
        before = await simServerState(h);
        const killed = await runCli(['backup', '--config', h.configFile], {
          env: { ...h.server.env, AVIMARK_TEST_CLI: 'bundle', [TEST_KILL_AFTER_STEP_ENV]: String(n) },
          timeoutMs: 180_000,
        });
        expect(killed.signal).toBe('SIGKILL');
        const journal = JSON.parse(await readFile(path.join(h.stateDir, 'lockout-journal.json'), 'utf8'));
        expect(journal.entries.length).toBeGreaterThanOrEqual(1);
        // Nobody runs recover by hand: a day passes and the simulated Task Scheduler fires what is due.
        await h.server.fireDueTasks({ now: new Date(Date.now() + 24 * 3600_000) });
      }, 240_000);
      afterAll(async () => {
        await h?.cleanup();
      });

      it('the server is exactly as before and no task of ours is left', async () => {
        expect(await simServerState(h as SimHospital)).toEqual(before);
        const tasks = (await (h as SimHospital).server.readState()).scheduledTasks;
        expect(tasks).toEqual([]);
      });
    });
  });
});

describe('product: kill -9 while the shadow copy is being made (mode vss), then only the safety-net task runs recover', {
  timeout: 240_000,
}, () => {
  let h: SimHospital | undefined;
  afterAll(async () => {
    await h?.cleanup();
  });

  it('AVImark is given back exactly and the shadow copy that completed after the kill is deleted', async () => {
    expect(existsSync(bundlePath), `the bundle ${bundlePath} is needed: node build.mjs --bundle-only`).toBe(true);
    h = await simulatedHospital();
    const hh = h;
    await hh.writeConfig({ mode: 'vss', lockout: { warnMinutes: [0] } });
    hh.server.updateState((st) => {
      st.knobs.shadowLateCompletionSeconds = 3; // Create still running when the run is killed
    });
    const before = await simServerState(hh);
    const child = startCli(['backup', '--config', hh.configFile], {
      env: { ...hh.server.env, AVIMARK_TEST_CLI: 'bundle' },
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Killed while Create runs: the shadow journal was written before it, the simulator holds the copy
    // it is making (not listed yet).
    const deadline = Date.now() + 180_000;
    const creating = async () =>
      existsSync(shadowJournalPath(hh.stateDir)) && (await hh.server.readState()).shadowCopies.length > 0;
    while (!(await creating()) && child.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    expect(child.exitCode, 'the run ended before it asked for a shadow copy').toBeNull();
    child.kill('SIGKILL');
    await exited;
    expect(await simServerState(hh)).not.toEqual(before); // locked out, nobody gives it back yet
    // Create completes after the kill (the simulator lists it once it is due).
    const made = (await hh.server.readState()).shadowCopies as Array<Record<string, unknown>>;
    expect(made).toHaveLength(1);
    await new Promise((r) => setTimeout(r, Math.max(0, Number(made[0]?.VisibleAfterMs ?? 0) - Date.now() + 200)));
    await hh.server.fireDueTasks({ now: new Date(Date.now() + 24 * 3600_000) });
    const st = await hh.server.readState();
    expect(await simServerState(hh)).toEqual(before);
    expect(st.shadowCopies).toEqual([]);
    expect(st.scheduledTasks).toEqual([]);
  });
});
