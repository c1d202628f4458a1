import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/pwsh';
import { runPwsh } from '../../helpers/run-pwsh';
import { createSimulatedServer, type SimulatedServer } from '../../helpers/sim';

/**
 * The Group Policy startup script (ps/gpo/Avimark-Startup-Recover.ps1) run by real pwsh against the
 * stand-in executable; its Event Log entries land in the simulated server (Write-EventLog simulated).
 */

const script = path.join(repoRoot, 'ps', 'gpo', 'Avimark-Startup-Recover.ps1');
const fakeExe = path.join(repoRoot, 'test', 'fixtures', 'fake-avimark-backup.cjs');
let sim: SimulatedServer;
let configPath: string;
let argsLog: string;

beforeAll(async () => {
  sim = await createSimulatedServer();
  configPath = path.join(sim.dir, 'conf dir', 'config.json');
  await mkdir(path.dirname(configPath), { recursive: true });
  await writeFile(configPath, '{}');
  argsLog = path.join(sim.dir, 'args.log');
});
afterAll(async () => sim?.cleanup());

async function runScript(name: string, extraEnv: NodeJS.ProcessEnv, timeoutSeconds = 60, exe = fakeExe) {
  const logPath = path.join(sim.dir, `${name}.log`);
  const started = Date.now();
  const result = await runPwsh(
    `& $env:GPO_SCRIPT -ExecutablePath $env:GPO_EXE -ConfigPath $env:GPO_CONFIG -LogPath $env:GPO_LOG -TimeoutSeconds ([int]$env:GPO_TIMEOUT) | Out-Null; exit $LASTEXITCODE`,
    {
      ...sim.env,
      GPO_SCRIPT: script,
      GPO_EXE: exe,
      GPO_CONFIG: configPath,
      GPO_LOG: logPath,
      GPO_TIMEOUT: String(timeoutSeconds),
      FAKE_AVB_LOG: argsLog,
      ...extraEnv,
    },
  );
  const log = await readFile(logPath, 'utf8').catch(() => '');
  const events = (await sim.readState()).events;
  return { ...result, log, events, seconds: (Date.now() - started) / 1000 };
}

describe('GPO startup script Avimark-Startup-Recover.ps1', { timeout: 240_000 }, () => {
  it('runs recover with the config (argument quoting intact), logs, writes event 1020 and exits 0', async () => {
    const r = await runScript('ok', {});
    expect(r.code, r.stderr).toBe(0);
    const calls = (await readFile(argsLog, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    // 60 s of timeout: recover may wait about half a minute for a booting server, leaving 30 s to give back.
    expect(calls).toEqual([
      ['recover', '--json', '--config', configPath, '--wait-minutes', expect.stringMatching(/^0\.[45]$/)],
    ]);
    expect(r.log).toMatch(/INFO finished in [\d.]+ s \(exit code 0\)/);
    expect(r.events.at(-1)).toMatchObject({ Source: 'avimark-backup', EventId: 1020, EntryType: 'Information' });
    expect(r.events.at(-1)?.Message).toContain('"journalFound": false');
  });

  it('a failed recover is logged with its message, event 1021, exit 1', async () => {
    const r = await runScript('fail', {
      FAKE_AVB_EXIT: '4',
      FAKE_AVB_MESSAGE: 'service AVImarkServer could not be started',
    });
    expect(r.code).toBe(1);
    expect(r.log).toContain('ERROR failed with exit code 4');
    expect(r.events.at(-1)).toMatchObject({ EventId: 1021, EntryType: 'Error' });
    expect(r.events.at(-1)?.Message).toContain('service AVImarkServer could not be started');
  });

  it('never blocks boot: a hanging recover is stopped after the timeout (event 1022)', async () => {
    const r = await runScript('hang', { FAKE_AVB_SLEEP_MS: '120000' }, 2);
    expect(r.code).toBe(1);
    expect(r.seconds).toBeLessThan(60);
    expect(r.log).toContain('did not finish within 2 s and was stopped');
    expect(r.events.at(-1)).toMatchObject({ EventId: 1022, EntryType: 'Error' });
  });

  it('a missing executable is reported (event 1022), not an endless wait', async () => {
    const r = await runScript('missing', {}, 60, path.join(sim.dir, 'no such', 'avimark-backup.exe'));
    expect(r.code).toBe(1);
    expect(r.log).toMatch(/executable '.*no such.*' not found/);
    expect(r.events.at(-1)).toMatchObject({ EventId: 1022 });
  });
});
