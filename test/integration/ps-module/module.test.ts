import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/cli';
import { repoRoot } from '../../helpers/pwsh';
import { pwshJson } from '../../helpers/run-pwsh';

/**
 * The AvimarkBackup administration module, driven through real pwsh against a stand-in executable
 * (test/fixtures/fake-avimark-backup.cjs) that records its arguments, and the simulated
 * ScheduledTasks module (test/sim/modules) for task registration.
 */

const manifest = path.join(repoRoot, 'ps', 'AvimarkBackup', 'AvimarkBackup.psd1');
const fakeExe = path.join(repoRoot, 'test', 'fixtures', 'fake-avimark-backup.cjs');
const exported = [
  'Get-AvimarkBackupStatus',
  'Get-AvimarkOffsiteSnapshot',
  'Get-AvimarkSnapshot',
  'Invoke-AvimarkBackup',
  'Invoke-AvimarkOffsitePush',
  'Invoke-AvimarkRestoreDrill',
  'Register-AvimarkBackupTask',
  'Restore-AvimarkOffsiteSnapshot',
  'Restore-AvimarkSnapshot',
  'Set-AvimarkBackupAcl',
  'Test-AvimarkSnapshot',
  'Unlock-Avimark',
  'Unregister-AvimarkBackupTask',
];

let dir: string;
let cleanup: () => Promise<void>;
let configPath: string;
let argsLog: string;
let tasksState: string;

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AVB_MANIFEST: manifest,
    AVIMARK_BACKUP_EXE: fakeExe,
    AVIMARK_BACKUP_CONFIG: configPath,
    FAKE_AVB_LOG: argsLog,
    AVIMARK_SIM_STATE: tasksState,
    ...extra,
  };
}

async function loggedCalls(): Promise<string[][]> {
  const text = await readFile(argsLog, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as string[]);
}

const importModule = `Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop`;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('avb-psmodule-'));
  await mkdir(path.join(dir, 'conf dir'));
  configPath = path.join(dir, 'conf dir', 'config.json');
  await writeFile(configPath, '{}\n');
  argsLog = path.join(dir, 'args.log');
  tasksState = path.join(dir, 'tasks.json');
});
afterAll(async () => cleanup());

describe('AvimarkBackup module', { timeout: 240_000 }, () => {
  it('imports cleanly, exports exactly the public functions, all with approved verbs', async () => {
    const result = await pwshJson<{ manifestOk: boolean; commands: string[]; unapproved: string[]; warnings: number }>(
      `$m = Test-ModuleManifest -Path $env:AVB_MANIFEST
       Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop -WarningVariable w -WarningAction SilentlyContinue
       $names = @((Get-Command -Module AvimarkBackup).Name | Sort-Object)
       $verbs = @((Get-Verb).Verb)
       [pscustomobject]@{ manifestOk = [bool]$m; commands = $names; warnings = @($w).Count
         unapproved = @($names | Where-Object { $verbs -notcontains ($_ -split '-')[0] }) } | ConvertTo-Json -Depth 3`,
      env(),
    );
    expect(result.manifestOk).toBe(true);
    expect(result.commands).toEqual(exported);
    expect(result.unapproved).toEqual([]);
    expect(result.warnings).toBe(0);
  });

  it('every public function has a synopsis, a description, parameter help and an example', async () => {
    const help = await pwshJson<
      Array<{ name: string; synopsis: string; description: string; examples: number; undocumented: string[] }>
    >(
      `${importModule}
       $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
       @(foreach ($c in Get-Command -Module AvimarkBackup) {
         $h = Get-Help $c.Name -Full
         $documented = @($h.parameters.parameter | Where-Object { $_.description } | ForEach-Object { $_.name })
         [pscustomobject]@{
           name = $c.Name; synopsis = [string]$h.Synopsis
           description = (@($h.description) | ForEach-Object { $_.Text }) -join ' '
           examples = @($h.examples.example | Where-Object { $_.code }).Count
           undocumented = @($c.Parameters.Keys | Where-Object { $common -notcontains $_ -and $documented -notcontains $_ })
         } }) | ConvertTo-Json -Depth 3`,
      env(),
    );
    expect(help.map((h) => h.name).sort()).toEqual(exported);
    for (const h of help) {
      expect(h.synopsis, h.name).not.toMatch(/^\s*$/);
      expect(h.synopsis, h.name).not.toContain(h.name); // a real synopsis, not the generated syntax line
      expect(h.description.length, h.name).toBeGreaterThan(20);
      expect(h.examples, h.name).toBeGreaterThanOrEqual(1);
      expect(h.undocumented, h.name).toEqual([]);
    }
  });

  it('functions return objects parsed from --json, with the config passed through', async () => {
    await rm(argsLog, { force: true });
    const out = await pwshJson<{
      backup: { snapshotId: string; filesCopied: number; type: string };
      snapshots: Array<{ id: string; type: string }>;
      filtered: string[];
      verify: { snapshots: string[] };
      status: { lockedOut: boolean };
      recover: { journalFound: boolean };
      drill: { ok: boolean };
    }>(
      `${importModule}
       $b = Invoke-AvimarkBackup -Mode presync
       $s = @(Get-AvimarkSnapshot)
       [pscustomobject]@{
         backup = [pscustomobject]@{ snapshotId = $b.snapshotId; filesCopied = $b.filesCopied; type = $b.PSObject.TypeNames[0] }
         snapshots = @($s | ForEach-Object { [pscustomobject]@{ id = $_.id; type = $_.PSObject.TypeNames[0] } })
         filtered = @(Get-AvimarkSnapshot -Id '*-25T*' | ForEach-Object { $_.id })
         verify = (Get-AvimarkSnapshot -Id '*-24T*' | Test-AvimarkSnapshot -SamplePercent 12.5)
         status = Get-AvimarkBackupStatus
         recover = Unlock-Avimark -Confirm:$false
         drill = Invoke-AvimarkRestoreDrill
       } | ConvertTo-Json -Depth 5`,
      env(),
    );
    expect(out.backup).toEqual({ snapshotId: '2026-11-26T010000Z', filesCopied: 1, type: 'AvimarkBackup.RunSummary' });
    expect(out.snapshots).toEqual([
      { id: '2026-11-24T010000Z', type: 'AvimarkBackup.Snapshot' },
      { id: '2026-11-25T010000Z', type: 'AvimarkBackup.Snapshot' },
    ]);
    expect(out.filtered).toEqual(['2026-11-25T010000Z']);
    expect(out.verify.snapshots).toEqual(['2026-11-24T010000Z']);
    expect(out.status.lockedOut).toBe(false);
    expect(out.recover.journalFound).toBe(false);
    expect(out.drill.ok).toBe(true);

    const calls = await loggedCalls();
    const tail = ['--config', configPath, '--json'];
    expect(calls).toEqual([
      ['backup', '--mode', 'presync', ...tail],
      ['list', ...tail],
      ['list', ...tail],
      ['list', ...tail],
      ['verify', '2026-11-24T010000Z', '--sample', '12.5', ...tail],
      ['status', ...tail],
      ['recover', ...tail],
      ['drill', ...tail],
    ]);
  });

  it('passes arguments as an array: spaces, quotes and PowerShell syntax arrive verbatim', async () => {
    const odd = ['a b', 'semi;colon', '$(Get-Date)', "it's", '`backtick', 'C:\\Path With Space\\'];
    const out = await pwshJson<{ args: string[] }>(
      `${importModule}
       $values = ConvertFrom-Json $env:AVB_ODD
       & (Get-Module AvimarkBackup) { param($v) Invoke-AvimarkBackupExe -Arguments (@('echo') + $v) } $values | ConvertTo-Json -Depth 3`,
      env({ AVB_ODD: JSON.stringify(odd) }),
    );
    expect(out.args).toEqual([...odd, '--config', configPath]);
  });

  it('quotes scheduled-task argument strings so CommandLineToArgvW splits them back exactly', async () => {
    const cases: Array<[string, string]> = [
      ['plain', 'plain'],
      ['', '""'],
      ['C:\\a b\\', '"C:\\a b\\\\"'],
      ['x"y', '"x\\"y"'],
      ['a\\\\"b', '"a\\\\\\\\\\"b"'],
      ['C:\\no\\space', 'C:\\no\\space'],
    ];
    const out = await pwshJson<string[]>(
      `${importModule}
       $values = ConvertFrom-Json $env:AVB_VALUES
       ConvertTo-Json -InputObject @(& (Get-Module AvimarkBackup) { param($v) foreach ($x in $v) { ConvertTo-CommandLineArgument -Value $x } } $values)`,
      env({ AVB_VALUES: JSON.stringify(cases.map(([input]) => input)) }),
    );
    expect(out).toEqual(cases.map(([, quoted]) => quoted));
  });

  it('runs an executable given directly (no .cjs), found through -ExecutablePath', async () => {
    const direct = path.join(dir, 'bin dir', 'avimark-backup');
    await mkdir(path.dirname(direct), { recursive: true });
    await symlink(fakeExe, direct);
    const out = await pwshJson<{ lockedOut: boolean }>(
      `${importModule}
       Get-AvimarkBackupStatus -ExecutablePath $env:AVB_DIRECT | ConvertTo-Json`,
      env({ AVB_DIRECT: direct, AVIMARK_BACKUP_EXE: '' }),
    );
    expect(out.lockedOut).toBe(false);
  });

  it("turns a non-zero exit into a PowerShell error carrying the executable's message and exit code", async () => {
    const out = await pwshJson<{ message: string; exitCode: number; id: string; category: string; notFound: string }>(
      `${importModule}
       try { Unlock-Avimark -Confirm:$false; $r = 'no error' }
       catch { $r = [pscustomobject]@{ message = $_.Exception.Message; exitCode = $_.Exception.Data['ExitCode']
                 id = $_.FullyQualifiedErrorId; category = "$($_.CategoryInfo.Category)" } }
       try { Get-AvimarkBackupStatus -ExecutablePath (Join-Path $env:AVB_DIR 'missing.exe') } catch { $nf = $_.Exception.Message }
       $r | Add-Member -NotePropertyName notFound -NotePropertyValue $nf -PassThru | ConvertTo-Json`,
      env({ FAKE_AVB_EXIT: '4', FAKE_AVB_MESSAGE: 'share AVImark could not be restored', AVB_DIR: dir }),
    );
    expect(out.message).toBe('avimark-backup recover: share AVImark could not be restored (hint: check the thing)');
    expect(out.exitCode).toBe(4);
    expect(out.id).toMatch(/^AvimarkBackup\.Exit4,Unlock-Avimark/);
    expect(out.category).toBe('ResourceUnavailable');
    expect(out.notFound).toMatch(/executable not found .*missing\.exe/);
  });

  it('falls back to standard error when the executable prints no JSON error', async () => {
    const out = await pwshJson<{ message: string; exitCode: number }>(
      `${importModule}
       try { & (Get-Module AvimarkBackup) { Invoke-AvimarkBackupExe -Arguments @('no-such-command') } }
       catch { [pscustomobject]@{ message = $_.Exception.Message; exitCode = $_.Exception.Data['ExitCode'] } | ConvertTo-Json }`,
      env(),
    );
    expect(out).toEqual({ message: 'avimark-backup no-such-command: unknown command no-such-command', exitCode: 2 });
  });

  it('-WhatIf maps to --dry-run where the command has one and otherwise runs nothing', async () => {
    await rm(argsLog, { force: true });
    const out = await pwshJson<{
      backup: { dryRun: boolean };
      restore: { dryRun: boolean; target: string };
      folder: number;
    }>(
      `${importModule}
       $b = Invoke-AvimarkBackup -WhatIf
       $f = @(Restore-AvimarkSnapshot -Id 2026-11-25T010000Z -Destination (Join-Path $env:AVB_DIR 'restore here') -WhatIf)
       $r = Restore-AvimarkSnapshot -Id 2026-11-25T010000Z -ToLive -WhatIf
       Unlock-Avimark -WhatIf
       [pscustomobject]@{ backup = $b; restore = $r; folder = $f.Count } | ConvertTo-Json -Depth 4`,
      env({ AVB_DIR: dir }),
    );
    expect(out.backup.dryRun).toBe(true);
    expect(out.restore.dryRun).toBe(true);
    expect(out.restore.target).toBe('live');
    expect(out.folder).toBe(0);
    const calls = await loggedCalls();
    const tail = ['--config', configPath, '--json'];
    expect(calls).toEqual([
      ['backup', '--dry-run', ...tail],
      ['restore', '2026-11-25T010000Z', '--to-live', '--dry-run', ...tail],
    ]);
  });

  it('Restore-AvimarkSnapshot -ToLive asks for confirmation (refused non-interactively) and runs with -Confirm:$false', async () => {
    await rm(argsLog, { force: true });
    const out = await pwshJson<{ prompted: string; live: { target: string }; folder: { target: string } }>(
      `${importModule}
       try { Restore-AvimarkSnapshot -Id S1 -ToLive; $p = 'ran without asking' } catch { $p = $_.FullyQualifiedErrorId }
       [pscustomobject]@{ prompted = $p; live = (Restore-AvimarkSnapshot -Id S1 -ToLive -Confirm:$false)
         folder = (Restore-AvimarkSnapshot S1 (Join-Path $env:AVB_DIR 'restore here') -Confirm:$false) } | ConvertTo-Json -Depth 4`,
      env({ AVB_DIR: dir }),
    );
    expect(out.folder.target).toBe(path.join(dir, 'restore here'));
    expect(out.prompted).not.toBe('ran without asking');
    expect(out.live.target).toBe('live');
    expect(await loggedCalls()).toEqual([
      ['restore', 'S1', '--to-live', '--config', configPath, '--json'],
      ['restore', 'S1', '--to', path.join(dir, 'restore here'), '--config', configPath, '--json'],
    ]);
  });
});
