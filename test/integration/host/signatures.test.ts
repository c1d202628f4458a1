import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pwshPath, repoRoot } from '../../helpers/pwsh';
import { simEnv } from '../../helpers/sim';

const run = promisify(execFile);
const checker = path.join(repoRoot, 'test', 'sim', 'check-signatures.ps1');

async function check(files: string[]): Promise<Array<Record<string, unknown>>> {
  const env = simEnv(path.join(os.tmpdir(), 'avb-signature-check-no-state.json'));
  const { stdout } = await run(pwshPath(), ['-NoProfile', '-NonInteractive', '-File', checker, ...files], {
    env,
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim()) as Array<Record<string, unknown>>;
}

describe('ps/host scripts use only cmdlets and parameters the simulator defines with that signature', () => {
  it('every command, parameter and parameter-set combination in ps/host/*.ps1 exists', async () => {
    const dir = path.join(repoRoot, 'ps', 'host');
    const names = readdirSync(dir).filter((f) => f.endsWith('.ps1'));
    // Both scripts the one PowerShell process loads (src/host/powershell/host.ts HOST_SCRIPT).
    expect(names).toEqual(expect.arrayContaining(['Host.ps1', 'ScheduledTasks.ps1']));
    expect(await check(names.map((f) => path.join(dir, f)))).toEqual([]);
  });

  it('holds the scheduled-task cmdlets to the simulated ScheduledTasks module', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-sigcheck-tasks-'));
    try {
      const bad = path.join(dir, 'bad-tasks.ps1');
      await writeFile(
        bad,
        [
          "Register-ScheduledTask -TaskName x -TaskPath '\\a\\' -Action $a -Principal $p -RunLevel Highest",
          "Register-ScheduledTask -TaskName x -Xml '<Task/>' -Principal $p",
          'Unregister-ScheduledTask -TaskName x -Force',
          'Get-ScheduledTask -TaskName x -TaskPath y',
          "New-ScheduledTaskPrincipal -UserId 'SYSTEM' -GroupId 'Administrators'",
        ].join('\n'),
      );
      const problems = (await check([bad])).map((p) => `${String(p.command)}: ${String(p.problem)}`);
      expect(problems).toEqual([
        'Register-ScheduledTask: no parameter set takes -TaskName, -TaskPath, -Action, -Principal, -RunLevel together',
        'Register-ScheduledTask: no parameter set takes -TaskName, -Xml, -Principal together',
        'Unregister-ScheduledTask: no parameter -Force',
        'New-ScheduledTaskPrincipal: no parameter set takes -UserId, -GroupId together',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the check catches a wrong parameter, a wrong combination and an unknown cmdlet', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-sigcheck-'));
    try {
      const bad = path.join(dir, 'bad.ps1');
      await writeFile(
        bad,
        [
          'Set-SmbShare -Name x -Nonsense 1 -Force',
          'Get-Service -Name x -DisplayName y',
          'Get-SmbShareSomething -Name x',
          '$p = @{ Name = "x"; Bogus = 1 }',
          'New-SmbShare @p',
        ].join('\n'),
      );
      const problems = (await check([bad])).map((p) => `${String(p.command)}: ${String(p.problem)}`);
      expect(problems).toEqual([
        'Set-SmbShare: no parameter -Nonsense',
        'Get-Service: no parameter set takes -Name, -DisplayName together',
        'Get-SmbShareSomething: command not found',
        'New-SmbShare: no parameter -Bogus',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ps/host scripts stay Windows PowerShell 5.1 compatible', () => {
  const checker51 = path.join(repoRoot, 'test', 'sim', 'check-ps51.ps1');
  async function check51(files: string[]): Promise<Array<Record<string, unknown>>> {
    const { stdout } = await run(pwshPath(), ['-NoProfile', '-NonInteractive', '-File', checker51, ...files], {
      maxBuffer: 1 << 24,
    });
    return JSON.parse(stdout.trim()) as Array<Record<string, unknown>>;
  }

  it('uses no PowerShell 7-only syntax or parameters', async () => {
    const dir = path.join(repoRoot, 'ps', 'host');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.ps1'))
      .map((f) => path.join(dir, f));
    expect(await check51(files)).toEqual([]);
  });

  it('the check catches 7-only syntax', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-ps51-'));
    try {
      const bad = path.join(dir, 'bad.ps1');
      await writeFile(
        bad,
        ['$a = $b ?? 1', '$c = $d ? 1 : 2', 'ConvertFrom-Json -InputObject $x -AsHashtable', '${e}?.f', 'a && b'].join(
          '\n',
        ),
      );
      expect((await check51([bad])).map((p) => String(p.problem)).sort()).toEqual(
        [
          '&& / || (7 only)',
          '?. / ?[] (7 only)',
          '?? (7 only)',
          'ConvertFrom-Json -AsHashtable (7 only)',
          'ternary operator (7 only)',
        ].sort(),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
