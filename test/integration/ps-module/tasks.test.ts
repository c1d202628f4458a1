import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/cli';
import { repoRoot } from '../../helpers/pwsh';
import { pwshJson } from '../../helpers/run-pwsh';

/** Register-/Unregister-AvimarkBackupTask against the simulated ScheduledTasks module (test/sim/modules). */

interface TaskView {
  TaskName: string;
  TaskPath: string;
  Execute: string;
  Arguments: string;
  WorkingDirectory: string;
  Trigger: { CimClassName: string; StartBoundary: string | null; DaysOfWeek: number | null };
  Principal: { UserId: string; LogonType: string; RunLevel: string };
  Settings: {
    ExecutionTimeLimit: string;
    DisallowStartIfOnBatteries: boolean;
    StopIfGoingOnBatteries: boolean;
    MultipleInstances: string;
    StartWhenAvailable: boolean;
    Enabled: boolean;
    RestartCount: number;
    RestartInterval: string | null;
  };
}

const manifest = path.join(repoRoot, 'ps', 'AvimarkBackup', 'AvimarkBackup.psd1');
let dir: string;
let cleanup: () => Promise<void>;
let exe: string;
let configPath: string;
let tasksState: string;

const listTasks = `@(Get-ScheduledTask -TaskPath '\\avimark-backup\\' -ErrorAction SilentlyContinue | Sort-Object TaskName | ForEach-Object {
  $tr = @($_.Triggers) | Select-Object -First 1
  [pscustomobject]@{ TaskName = $_.TaskName; TaskPath = $_.TaskPath
    Execute = $_.Actions[0].Execute; Arguments = $_.Actions[0].Arguments; WorkingDirectory = $_.Actions[0].WorkingDirectory
    Trigger = $(if ($tr) { [pscustomobject]@{ CimClassName = $tr.CimClass.CimClassName; StartBoundary = $tr.PSObject.Properties['StartBoundary'].Value
                                 DaysOfWeek = $(if ($tr.PSObject.Properties['DaysOfWeek']) { $tr.DaysOfWeek } else { $null }) } } else { $null })
    Principal = $_.Principal | Select-Object UserId, LogonType, RunLevel
    Settings = $_.Settings | Select-Object ExecutionTimeLimit, DisallowStartIfOnBatteries, StopIfGoingOnBatteries, MultipleInstances, StartWhenAvailable, Enabled, RestartCount, RestartInterval } })`;

function run<T>(script: string): Promise<T> {
  return pwshJson<T>(`Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop\n${script}`, {
    AVB_MANIFEST: manifest,
    AVIMARK_BACKUP_EXE: exe,
    AVIMARK_BACKUP_CONFIG: configPath,
    AVIMARK_SIM_STATE: tasksState,
  });
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('avb-tasks-'));
  exe = path.join(dir, 'Program Files', 'avimark-backup', 'avimark-backup.exe');
  await mkdir(path.dirname(exe), { recursive: true });
  await writeFile(exe, '');
  configPath = path.join(dir, 'Program Data', 'config.json');
  await mkdir(path.dirname(configPath), { recursive: true });
  await writeFile(configPath, '{}\n');
  tasksState = path.join(dir, 'sim-state.json');
  await writeFile(tasksState, JSON.stringify({ calls: [], services: [], scheduledTasks: [] }));
});

async function storedTasks(): Promise<string> {
  const state = JSON.parse(await readFile(tasksState, 'utf8')) as { scheduledTasks?: unknown };
  return JSON.stringify(state.scheduledTasks);
}
afterAll(async () => cleanup());

describe('Register-AvimarkBackupTask (simulated Task Scheduler)', { timeout: 240_000 }, () => {
  it('registers the nightly and startup tasks as SYSTEM/Highest with bounded run time, no battery conditions, IgnoreNew, StartWhenAvailable', async () => {
    const tasks = await run<TaskView[]>(
      `Register-AvimarkBackupTask -At '01:30' | Out-Null\n${listTasks} | ConvertTo-Json -Depth 5`,
    );
    expect(tasks.map((t) => t.TaskName)).toEqual(['Give AVImark back at startup', 'Nightly backup']);
    const [recover, nightly] = tasks;
    const quotedConfig = `"${configPath}"`;
    for (const t of tasks) {
      expect(t.TaskPath).toBe('\\avimark-backup\\');
      expect(t.Execute).toBe(exe);
      expect(t.WorkingDirectory).toBe(path.dirname(exe));
      expect(t.Principal).toEqual({ UserId: 'NT AUTHORITY\\SYSTEM', LogonType: 'ServiceAccount', RunLevel: 'Highest' });
      expect(t.Settings.DisallowStartIfOnBatteries).toBe(false);
      expect(t.Settings.StopIfGoingOnBatteries).toBe(false);
      expect(t.Settings.MultipleInstances).toBe('IgnoreNew');
      expect(t.Settings.Enabled).toBe(true);
    }
    expect(nightly.Arguments).toBe(`backup --config ${quotedConfig}`);
    expect(nightly.Trigger.CimClassName).toBe('MSFT_TaskDailyTrigger');
    expect(nightly.Trigger.StartBoundary).toMatch(/T01:30:00/);
    expect(nightly.Settings.ExecutionTimeLimit).toBe('PT4H');
    expect(nightly.Settings.StartWhenAvailable).toBe(true);
    expect(recover.Arguments).toBe(`recover --config ${quotedConfig}`);
    expect(recover.Trigger.CimClassName).toBe('MSFT_TaskBootTrigger');
    expect(recover.Settings.ExecutionTimeLimit).toBe('PT30M');
    // Issue 13 §6: a recover that failed at boot (the server not answering yet) is run again.
    expect(recover.Settings).toMatchObject({ RestartCount: 3, RestartInterval: 'PT5M' });
    expect(nightly.Settings).toMatchObject({ RestartCount: 0, RestartInterval: null });
  });

  it('re-registering replaces cleanly: new settings, no duplicates, drill added and removed, foreign tasks untouched', async () => {
    const after = await run<{ withDrill: TaskView[]; replaced: TaskView[]; foreign: string[] }>(
      `$a = New-ScheduledTaskAction -Execute 'C:\\other.exe'
       Register-ScheduledTask -TaskName 'Someone else' -TaskPath '\\avimark-backup\\' -Action $a | Out-Null
       Register-AvimarkBackupTask -At '02:00' -WeeklyDrill -DrillDay Saturday -ExecutionTimeLimit (New-TimeSpan -Hours 6) | Out-Null
       $withDrill = ${listTasks}
       Register-AvimarkBackupTask -At '03:15' | Out-Null
       $replaced = ${listTasks}
       [pscustomobject]@{ withDrill = $withDrill; replaced = $replaced
         foreign = @(Get-ScheduledTask -TaskName 'Someone else' | ForEach-Object TaskName) } | ConvertTo-Json -Depth 6`,
    );
    const names = (ts: TaskView[]) => ts.map((t) => t.TaskName);
    expect(names(after.withDrill)).toEqual([
      'Give AVImark back at startup',
      'Nightly backup',
      'Someone else',
      'Weekly restore drill',
    ]);
    const drill = after.withDrill.find((t) => t.TaskName === 'Weekly restore drill');
    expect(drill?.Trigger.CimClassName).toBe('MSFT_TaskWeeklyTrigger');
    expect(drill?.Trigger.DaysOfWeek).toBe(1 << 6); // Saturday
    expect(drill?.Arguments).toBe(`drill --config "${configPath}"`);
    expect(after.withDrill.find((t) => t.TaskName === 'Nightly backup')?.Settings.ExecutionTimeLimit).toBe('PT6H');

    expect(names(after.replaced)).toEqual(['Give AVImark back at startup', 'Nightly backup', 'Someone else']);
    const nightly = after.replaced.find((t) => t.TaskName === 'Nightly backup');
    expect(nightly?.Trigger.StartBoundary).toMatch(/T03:15:00/);
    expect(nightly?.Settings.ExecutionTimeLimit).toBe('PT4H');
    expect(after.foreign).toEqual(['Someone else']);
  });

  it('-WhatIf registers and removes nothing; Unregister removes only our tasks', async () => {
    const out = await run<{ removed: string[]; left: string[] }>(
      `Register-AvimarkBackupTask -At '04:00' -WeeklyDrill -WhatIf | Out-Null
       Unregister-AvimarkBackupTask -WhatIf | Out-Null
       $removed = @(Unregister-AvimarkBackupTask | ForEach-Object TaskName)
       [pscustomobject]@{ removed = $removed; left = @(Get-ScheduledTask -TaskPath '\\avimark-backup\\' | ForEach-Object TaskName) } | ConvertTo-Json`,
    );
    expect(out.removed.sort()).toEqual(['Give AVImark back at startup', 'Nightly backup']);
    expect(out.left).toEqual(['Someone else']);
  });

  it('-WhatIf leaves the simulated tasks identical', async () => {
    await run<unknown>(`Register-AvimarkBackupTask -At '01:00' | Out-Null; '{}'`);
    const before = await storedTasks();
    expect(before).toContain('Nightly backup');
    await run<unknown>(
      `Register-AvimarkBackupTask -At '05:00' -WeeklyDrill -WhatIf | Out-Null; Unregister-AvimarkBackupTask -WhatIf | Out-Null; '{}'`,
    );
    expect(await storedTasks()).toBe(before);
  });

  it("the simulated cmdlets follow the caller's $ErrorActionPreference like compiled cmdlets", async () => {
    const out = await run<{ get: string; unregister: string; silent: string; continued: string }>(
      // Set inside a function (as Invoke-AvbRequest does), not globally: a script-module function sees
      // only the global preference unless it reads the caller's, as compiled cmdlets do.
      `function Test-Stop {
         $ErrorActionPreference = 'Stop'
         $get = try { Get-ScheduledTask -TaskName 'no-such-task' | Out-Null; 'no error' } catch { $_.FullyQualifiedErrorId }
         $unregister = try { Unregister-ScheduledTask -TaskName 'no-such-task' -Confirm:$false; 'no error' } catch { $_.FullyQualifiedErrorId }
         $silent = try { @(Get-ScheduledTask -TaskName 'no-such-task' -ErrorAction SilentlyContinue).Count } catch { 'threw' }
         return @{ get = "$get"; unregister = "$unregister"; silent = "$silent" }
       }
       function Test-Silent {
         $ErrorActionPreference = 'SilentlyContinue'
         # 2>&1: error records written to the error stream (none under SilentlyContinue) come out as output.
         return "$(try { @(Get-ScheduledTask -TaskName 'no-such-task' 2>&1).Count } catch { 'threw' })"
       }
       $r = Test-Stop
       [pscustomobject]@{ get = $r.get; unregister = $r.unregister; silent = $r.silent; continued = (Test-Silent) } | ConvertTo-Json`,
    );
    expect(out.get).toMatch(/^CmdletizationQuery_NotFound_TaskName/);
    expect(out.unregister).toMatch(/^CmdletizationQuery_NotFound_TaskName/);
    expect(out.silent).toBe('0');
    expect(out.continued).toBe('0');
  });

  it('refuses without an existing configuration file, naming it', async () => {
    const out = await run<{ message: string }>(
      `try { Register-AvimarkBackupTask -ConfigPath (Join-Path (Split-Path $env:AVIMARK_SIM_STATE) 'nope.json') } catch { [pscustomobject]@{ message = $_.Exception.Message } | ConvertTo-Json }`,
    );
    expect(out.message).toMatch(/Configuration file '.*nope\.json' does not exist/);
  });
});
