import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/cli';
import { bundlePath, repoRoot } from '../../helpers/pwsh';
import { pwshJson, runPwsh } from '../../helpers/run-pwsh';
import { writeSampleFolder } from '../../helpers/sample-folder';

/**
 * The AvimarkBackup module against the BUILT executable (dist/avimark-backup.cjs, run under node by the
 * module): real snapshots in a temp store, real damage, real --help. Issue 16, items 1-4.
 */

const manifest = path.join(repoRoot, 'ps', 'AvimarkBackup', 'AvimarkBackup.psd1');
const importModule = 'Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop';
const SNAPSHOT_ID = /^\d{4}-\d{2}-\d{2}_\d{6}$/;

let dir: string;
let cleanup: () => Promise<void>;
let source: string;
let dest: string;
let configPath: string;
let ids: string[];

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { AVB_MANIFEST: manifest, AVIMARK_BACKUP_EXE: bundlePath, AVIMARK_BACKUP_CONFIG: configPath, ...extra };
}

function cliHelp(command: string): string {
  const r = spawnSync(process.execPath, [bundlePath, ...command.split(' '), '--help'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  expect(existsSync(bundlePath), 'build the bundle first: node build.mjs --bundle-only').toBe(true);
  ({ dir, cleanup } = await tempDir('avb-psbundle-'));
  source = path.join(dir, 'AVImark');
  dest = path.join(dir, 'store');
  configPath = path.join(dir, 'config.json');
  await writeSampleFolder(source);
  await writeFile(
    configPath,
    JSON.stringify({
      source,
      destination: dest,
      stateDir: path.join(dir, 'state'),
      alerts: { eventLog: { enabled: false } },
      drill: { requiredFiles: ['CLIENT.V2$', 'ANIMAL.V2$'] },
    }),
  );
  // Two snapshots through the module itself (ids are per second: the second run waits for the next one).
  const made = await pwshJson<string[]>(
    `${importModule}
     $a = Invoke-AvimarkBackup -NoLockout; Start-Sleep -Milliseconds 1100; $b = Invoke-AvimarkBackup -NoLockout
     ConvertTo-Json -InputObject @($a.snapshotId, $b.snapshotId)`,
    env(),
  );
  ids = made;
});
afterAll(async () => cleanup());

describe('AvimarkBackup module against the built executable', { timeout: 240_000 }, () => {
  it('every parameter of every function maps to an option that the command --help lists (or is declared local)', async () => {
    const rows = await pwshJson<
      Array<{ cmdlet: string; parameter: string; commands: string[]; spec: string; args: string[] }>
    >(
      `${importModule}
       $module = Get-Module AvimarkBackup
       $map = & $module { $script:AvimarkCommandMap }
       $common = [System.Management.Automation.Cmdlet]::CommonParameters
       $rows = foreach ($c in Get-Command -Module AvimarkBackup) {
         foreach ($p in $c.Parameters.Values) {
           if ($common -contains $p.Name) { continue }
           $entry = $map[$c.Name]
           $spec = if ($entry -and $entry.Parameters.Contains($p.Name)) { [string]$entry.Parameters[$p.Name] } else { '' }
           $sample = if ($p.ParameterType -eq [System.Management.Automation.SwitchParameter]) { [switch]$true }
             elseif ($p.ParameterType -eq [double]) { [double]12.5 } else { 'sample-value' }
           $values = @{ $p.Name = $sample }
           $built = @(& $module { param($n, $v) New-AvimarkArgumentList -CommandName $n -Values $v } $c.Name $values | ForEach-Object { $_ })
           [pscustomobject]@{ cmdlet = $c.Name; parameter = $p.Name; commands = @(if ($entry) { $entry.Commands })
             spec = $spec; args = $built }
         } }
       ConvertTo-Json -InputObject @($rows) -Depth 4`,
      env(),
    );
    expect(rows.length).toBeGreaterThan(30);
    const helps = new Map<string, string>();
    const helpOf = (command: string) => {
      if (!helps.has(command)) helps.set(command, cliHelp(command));
      return helps.get(command) as string;
    };
    const problems: string[] = [];
    for (const row of rows) {
      const where = `${row.cmdlet} -${row.parameter}`;
      if (row.spec === '') {
        problems.push(`${where}: not in the module's command map`);
        continue;
      }
      if (row.spec.startsWith('local:')) {
        // A local parameter never reaches the executable.
        if (row.args.length !== 0) problems.push(`${where}: declared local but builds ${row.args.join(' ')}`);
        continue;
      }
      if (row.commands.length === 0) problems.push(`${where}: maps to ${row.spec} but the function runs no command`);
      const expected = row.spec === '<id>' ? ['sample-value'] : row.spec.startsWith('--') ? [row.spec] : [];
      if (expected.length === 0) problems.push(`${where}: unknown mapping ${row.spec}`);
      if (row.args[0] !== expected[0]) problems.push(`${where}: builds [${row.args.join(' ')}], expected ${row.spec}`);
      for (const command of row.commands) {
        const help = helpOf(command);
        if (row.spec === '<id>') {
          if (!new RegExp(`^Usage: avimark-backup ${command} .*[[<]id[\\]>]`, 'm').test(help))
            problems.push(`${where}: \`${command} --help\` takes no snapshot id`);
        } else if (!new RegExp(`^\\s+(-\\w, )?${row.spec}\\b`, 'm').test(help)) {
          problems.push(`${where}: \`${command} --help\` does not list ${row.spec}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // The ones this issue is about.
    const find = (cmdlet: string, parameter: string) =>
      rows.find((r) => r.cmdlet === cmdlet && r.parameter === parameter);
    expect(find('Invoke-AvimarkBackup', 'Mode')?.args).toEqual(['--mode', 'sample-value']);
    expect(find('Test-AvimarkSnapshot', 'SamplePercent')?.args).toEqual(['--sample', '12.5']);
    expect(find('Restore-AvimarkSnapshot', 'WhatIf')?.args).toEqual(['--dry-run']);
  });

  it('Restore-AvimarkSnapshot -Destination runs non-interactively without -Confirm; -ToLive without it asks and runs nothing', async () => {
    const target = path.join(dir, 'restored here');
    const out = await pwshJson<{
      restored: { ok: boolean; target: string; type: string };
      live: string;
      liveRan: boolean;
    }>(
      `${importModule}
       $r = Restore-AvimarkSnapshot -Id $env:AVB_ID -Destination $env:AVB_TARGET
       try { $x = Restore-AvimarkSnapshot -Id $env:AVB_ID -ToLive -Verbose 4>&1; $live = 'ran without asking' }
       catch { $live = $_.FullyQualifiedErrorId; $x = @() }
       [pscustomobject]@{ restored = [pscustomobject]@{ ok = $r.ok; target = $r.target; type = $r.PSObject.TypeNames[0] }
         live = $live; liveRan = [bool](@($x) | Where-Object { "$_" -match '^Running:' }) } | ConvertTo-Json -Depth 4`,
      env({ AVB_ID: ids[0], AVB_TARGET: target }),
    );
    expect(out.restored).toEqual({ ok: true, target, type: 'AvimarkBackup.RestoreResult' });
    expect((await readdir(target)).sort()).toEqual((await readdir(source)).sort());
    expect(out.live).not.toBe('ran without asking');
    expect(out.live).not.toMatch(/^AvimarkBackup\./); // refused by the prompt, not by the executable
    expect(out.liveRan).toBe(false);
  });

  it('-Mode offline reaches backup --mode (and is refused with -NoLockout: one error naming both options)', async () => {
    const out = await pwshJson<{ message: string; id: string; count: number }>(
      `${importModule}
       try { Invoke-AvimarkBackup -Mode offline -NoLockout -ErrorVariable ev } catch { $e = $_ }
       [pscustomobject]@{ message = $e.Exception.Message; id = $e.FullyQualifiedErrorId; count = @($ev).Count } | ConvertTo-Json`,
      env(),
    );
    expect(out.message).toMatch(/^avimark-backup backup: --mode .*--no-lockout/);
    expect(out.id).toBe('AvimarkBackup.Exit2,Invoke-AvimarkBackup');
    expect(out.count).toBe(1);
  });

  describe('with a damaged snapshot', () => {
    beforeAll(async () => {
      // Replace (not modify: the files are hard links shared with the older snapshot) two files of the newest.
      for (const name of ['CLIENT.V2$', 'ANIMAL.V2$']) {
        const file = path.join(dest, 'snapshots', ids[1], name);
        await rm(file);
        await writeFile(file, 'not what the manifest says');
      }
    });

    it('Test-AvimarkSnapshot names the snapshot, the count and the files, in ONE error record', async () => {
      const out = await pwshJson<{
        results: Array<{ snapshotId: string; ok: boolean }>;
        errors: Array<{ message: string; id: string; target: string }>;
      }>(
        `${importModule}
         $r = @(Test-AvimarkSnapshot -Id $env:AVB_ID -ErrorVariable ev -ErrorAction SilentlyContinue)
         [pscustomobject]@{ results = @($r | Select-Object snapshotId, ok)
           errors = @($ev | ForEach-Object { [pscustomobject]@{ message = $_.Exception.Message; id = $_.FullyQualifiedErrorId; target = $_.TargetObject.snapshotId } }) } | ConvertTo-Json -Depth 4`,
        env({ AVB_ID: ids[1] }),
      );
      expect(out.results).toEqual([{ snapshotId: ids[1], ok: false }]);
      expect(out.errors).toHaveLength(1);
      expect(out.errors[0].message).toContain(`snapshot ${ids[1]} is damaged: 2 of `);
      expect(out.errors[0].message).toMatch(/damaged: (CLIENT\.V2\$, ANIMAL\.V2\$|ANIMAL\.V2\$, CLIENT\.V2\$)/);
      expect(out.errors[0].id).toBe('AvimarkBackup.Exit3,Test-AvimarkSnapshot');
      expect(out.errors[0].target).toBe(ids[1]);
    });

    it('-All emits one VerifyResult per snapshot and one error for the damaged one only', async () => {
      const out = await pwshJson<{
        results: Array<{ snapshotId: string; ok: boolean; type: string }>;
        errors: string[];
      }>(
        `${importModule}
         $r = @(Test-AvimarkSnapshot -All -ErrorVariable ev -ErrorAction SilentlyContinue)
         [pscustomobject]@{ results = @($r | ForEach-Object { [pscustomobject]@{ snapshotId = $_.snapshotId; ok = $_.ok; type = $_.PSObject.TypeNames[0] } })
           errors = @($ev | ForEach-Object { $_.Exception.Message }) } | ConvertTo-Json -Depth 4`,
        env(),
      );
      expect(out.results).toEqual([
        { snapshotId: ids[0], ok: true, type: 'AvimarkBackup.VerifyResult' },
        { snapshotId: ids[1], ok: false, type: 'AvimarkBackup.VerifyResult' },
      ]);
      expect(out.errors).toHaveLength(1);
      expect(out.errors[0]).toContain(ids[1]);
    });

    it('pipeline input gives per-item non-terminating errors: -ErrorAction decides whether the next item runs', async () => {
      const out = await pwshJson<{
        continued: string[];
        continueErrors: number;
        stopped: string;
        stoppedResults: number;
      }>(
        `${importModule}
         $ids = @($env:AVB_IDS -split ',')
         $c = @($ids | ForEach-Object { [pscustomobject]@{ SnapshotId = $_ } } | Test-AvimarkSnapshot -ErrorVariable cev -ErrorAction SilentlyContinue)
         $s = New-Object System.Collections.Generic.List[object]
         try { $ids | ForEach-Object { [pscustomobject]@{ SnapshotId = $_ } } | Test-AvimarkSnapshot -ErrorAction Stop | ForEach-Object { $s.Add($_) }; $stop = 'not stopped' }
         catch { $stop = $_.FullyQualifiedErrorId }
         [pscustomobject]@{ continued = @($c | ForEach-Object { $_.snapshotId }); continueErrors = @($cev).Count
           stopped = $stop; stoppedResults = $s.Count } | ConvertTo-Json -Depth 3`,
        env({ AVB_IDS: [ids[1], ids[0]].join(',') }),
      );
      // Damaged first: with SilentlyContinue the second (intact) snapshot is still verified.
      expect(out.continued).toEqual([ids[1], ids[0]]);
      expect(out.continueErrors).toBe(1);
      // With Stop the first item's error ends the pipeline before the second is verified.
      expect(out.stopped).toBe('AvimarkBackup.Exit3,Test-AvimarkSnapshot');
      expect(out.stoppedResults).toBe(1);
    });

    it('Restore-AvimarkSnapshot of the damaged snapshot: one error naming the snapshot and the files', async () => {
      const out = await pwshJson<{ errors: string[] }>(
        `${importModule}
         $null = Restore-AvimarkSnapshot -Id $env:AVB_ID -Destination (Join-Path $env:AVB_DIR 'bad restore') -ErrorVariable ev -ErrorAction SilentlyContinue
         [pscustomobject]@{ errors = @($ev | ForEach-Object { $_.Exception.Message }) } | ConvertTo-Json`,
        env({ AVB_ID: ids[1], AVB_DIR: dir }),
      );
      expect(out.errors).toHaveLength(1);
      expect(out.errors[0]).toContain(`snapshot ${ids[1]}`);
      expect(out.errors[0]).toMatch(/2 file\(s\) \(.*CLIENT\.V2\$/);
    });
  });

  it('-Verbose shows the executable and its arguments', async () => {
    const r = await runPwsh(
      `$ErrorActionPreference = 'Stop'; ${importModule}
       Get-AvimarkSnapshot -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message }`,
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Running: ${process.execPath} ${bundlePath} list --config ${configPath} --json`);
    expect(r.stdout).toMatch(/avimark-backup list exited with code 0/);
  });

  it('objects carry AvimarkBackup type names and default views read well (no @{...} cells)', async () => {
    const out = await pwshJson<{
      types: Record<string, string>;
      formatted: string[];
      status: string;
      formats: string[];
    }>(
      `${importModule}
       $snap = @(Get-AvimarkSnapshot)[0]
       $types = [ordered]@{
         snapshot = $snap.PSObject.TypeNames[0]
         verify = @(Test-AvimarkSnapshot -Id $env:AVB_ID)[0].PSObject.TypeNames[0]
         status = (Get-AvimarkBackupStatus).PSObject.TypeNames[0]
         recover = (Unlock-Avimark -Confirm:$false).PSObject.TypeNames[0]
         plan = (Invoke-AvimarkBackup -NoLockout -WhatIf).PSObject.TypeNames[0]
         drill = (Invoke-AvimarkRestoreDrill -Id $env:AVB_ID).PSObject.TypeNames[0]
       }
       $formatted = @(Get-AvimarkSnapshot | Format-Table | Out-String -Width 200) + @(Test-AvimarkSnapshot -Id $env:AVB_ID | Out-String -Width 200)
       [pscustomobject]@{ types = $types; formatted = $formatted
         status = (Get-AvimarkBackupStatus | Out-String -Width 200)
         formats = @((Get-FormatData -TypeName 'AvimarkBackup.*').TypeNames | Sort-Object) } | ConvertTo-Json -Depth 4`,
      env({ AVB_ID: ids[0] }),
    );
    expect(out.types).toEqual({
      snapshot: 'AvimarkBackup.Snapshot',
      verify: 'AvimarkBackup.VerifyResult',
      status: 'AvimarkBackup.Status',
      recover: 'AvimarkBackup.RecoverResult',
      plan: 'AvimarkBackup.BackupPlan',
      drill: 'AvimarkBackup.DrillResult',
    });
    expect(out.formats).toEqual(
      expect.arrayContaining([
        'AvimarkBackup.Snapshot',
        'AvimarkBackup.VerifyResult',
        'AvimarkBackup.Status',
        'AvimarkBackup.RunSummary',
        'AvimarkBackup.RestoreResult',
        'AvimarkBackup.DrillResult',
        'AvimarkBackup.RecoverResult',
        'AvimarkBackup.BackupPlan',
      ]),
    );
    const [snapshots, verify] = out.formatted;
    expect(snapshots).toMatch(/^Id\s+Time\s+Files\s+Size\s+Verified\s+Drill\s*$/m);
    expect(snapshots).toContain(ids[0]);
    expect(snapshots).toMatch(/ MiB /);
    expect(verify).toMatch(/^SnapshotId\s+Ok\s+Checked/m);
    for (const text of [...out.formatted, out.status]) expect(text).not.toMatch(/@\{/);
    expect(out.status).toMatch(/^State\s+: /m);
    expect(out.status).toMatch(/^NewestSnapshot\s+: /m);
  });

  it('-WhatIf says what really would happen: -NoLockout, -Mode, and Invoke-AvimarkRestoreDrill (which runs nothing)', async () => {
    const drillRecord = path.join(dest, 'meta', ids[0], 'drill.json');
    await rm(drillRecord, { force: true });
    const r = await runPwsh(
      `$ErrorActionPreference = 'Stop'; ${importModule}
       $null = Invoke-AvimarkBackup -NoLockout -WhatIf
       Invoke-AvimarkRestoreDrill -Id $env:AVB_ID -WhatIf -Verbose 4>&1 | ForEach-Object { "verbose: $_" }
       # The lockout dry run needs the Windows host; only the What-if line matters here.
       $env:AVIMARK_BACKUP_EXE = Join-Path $env:AVB_DIR 'missing.exe'
       try { $null = Invoke-AvimarkBackup -Mode offline -WhatIf } catch { "failed as expected: $($_.FullyQualifiedErrorId)" }`,
      env({ AVB_ID: ids[0], AVB_DIR: dir }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'What if: Performing the operation "Back up without taking AVImark offline (--no-lockout: AVImark keeps running)" on target "AVImark data".',
    );
    expect(r.stdout).toContain(`What if: Performing the operation "Restore into a scratch folder`);
    expect(r.stdout).toContain(`on target "snapshot ${ids[0]}"`);
    expect(r.stdout).not.toMatch(/verbose: Running:/);
    expect(existsSync(drillRecord)).toBe(false);
    expect(r.stdout).toContain(`"Back up, taking AVImark offline in mode 'offline' (overrides the configured mode)"`);
    expect(r.stdout).toContain('failed as expected: AvimarkBackup.ExecutableNotFound,Invoke-AvimarkBackup');
  });

  it('help examples use real snapshot ids (2026-11-25_010000)', async () => {
    const examples = await pwshJson<string[]>(
      `${importModule}
       ConvertTo-Json -InputObject @(foreach ($c in Get-Command -Module AvimarkBackup) {
         foreach ($e in @((Get-Help $c.Name -Full).examples.example)) { if ($e) { [string]$e.code } } })`,
      env(),
    );
    const ids = examples.flatMap((code) => code.match(/\b20\d\d-\d\d-\d\d[^\s'"]*/g) ?? []);
    expect(ids.length).toBeGreaterThan(2);
    for (const id of ids.filter((i) => !i.includes('*'))) expect(id).toMatch(SNAPSHOT_ID);
  });
});

describe('the module command map', () => {
  it('names only functions the module exports', async () => {
    await mkdir(dir, { recursive: true });
    const out = await pwshJson<{ mapped: string[]; exported: string[] }>(
      `${importModule}
       [pscustomobject]@{ mapped = @((& (Get-Module AvimarkBackup) { $script:AvimarkCommandMap }).Keys | Sort-Object)
         exported = @((Get-Command -Module AvimarkBackup).Name | Sort-Object) } | ConvertTo-Json`,
      env(),
    );
    expect(out.mapped).toEqual(out.exported);
  });
});
