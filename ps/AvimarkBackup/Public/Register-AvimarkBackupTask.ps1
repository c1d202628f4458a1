function Register-AvimarkBackupTask {
    <#
    .SYNOPSIS
    Registers the nightly backup task and the startup task that gives AVImark back.

    .DESCRIPTION
    Creates, in the task folder -TaskPath (default \avimark-backup\):
      'Nightly backup'               daily at -At: avimark-backup backup --config <file>
      'Give AVImark back at startup' at startup:   avimark-backup recover --config <file>
      'Weekly restore drill'         with -WeeklyDrill, weekly on -DrillDay at -DrillAt: avimark-backup drill --config <file>
    All run as NT AUTHORITY\SYSTEM (LogonType ServiceAccount) with RunLevel Highest, are allowed to start
    and keep running on batteries (servers on a UPS), never start a second instance while one runs
    (MultipleInstances IgnoreNew), and are stopped after -ExecutionTimeLimit (default 4 hours, instead of
    Task Scheduler's 72 hours; the startup task gets 30 minutes). The nightly and drill tasks start as
    soon as possible after a missed start (StartWhenAvailable). The startup task's recover waits for a
    server still booting (lockout.recoverWaitMinutes) and, if it fails, is run again three times five
    minutes apart (RestartCount/RestartInterval).
    Registering again replaces the module's tasks cleanly: each existing one is unregistered first, and
    the drill task is removed when -WeeklyDrill is not given. Returns the registered tasks.

    .PARAMETER At
    Time of day of the nightly backup (default 01:00).

    .PARAMETER ConfigPath
    The configuration file the tasks pass with --config. Default: $env:AVIMARK_BACKUP_CONFIG, else
    %ProgramData%\avimark-backup\config.json. Must exist.

    .PARAMETER ExecutablePath
    avimark-backup.exe the tasks run (default as for Invoke-AvimarkBackup). Must exist.

    .PARAMETER TaskPath
    Task Scheduler folder, with leading and trailing backslash (default \avimark-backup\).

    .PARAMETER ExecutionTimeLimit
    How long the nightly and drill tasks may run before Task Scheduler stops them (default 4 hours).

    .PARAMETER WeeklyDrill
    Also registers the weekly restore drill.

    .PARAMETER DrillDay
    Day of the weekly drill (default Sunday).

    .PARAMETER DrillAt
    Time of the weekly drill (default 05:00).

    .PARAMETER NoStartupRecover
    Does not register the startup task (for servers where the Group Policy startup script
    Avimark-Startup-Recover.ps1 does the same).

    .EXAMPLE
    Register-AvimarkBackupTask -At 01:30
    Nightly backup at 01:30 and the startup recover task, with the default configuration file.

    .EXAMPLE
    Register-AvimarkBackupTask -ConfigPath D:\avimark-backup\config.json -WeeklyDrill -DrillDay Saturday
    Also drills a restore every Saturday at 05:00.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param(
        [DateTime]$At = [DateTime]::Today.AddHours(1),
        [string]$ConfigPath,
        [string]$ExecutablePath,
        [ValidatePattern('^\\(.*\\)?$')][string]$TaskPath = '\avimark-backup\',
        [ValidateScript({ $_ -gt [TimeSpan]::Zero })][TimeSpan]$ExecutionTimeLimit = (New-TimeSpan -Hours 4),
        [switch]$WeeklyDrill,
        [System.DayOfWeek]$DrillDay = [System.DayOfWeek]::Sunday,
        [DateTime]$DrillAt = [DateTime]::Today.AddHours(5),
        [switch]$NoStartupRecover
    )
    try {
        $exe = Resolve-AvimarkBackupExe -ExecutablePath $ExecutablePath
        $config = Resolve-AvimarkBackupConfig -ConfigPath $ConfigPath
        if (-not $config) { throw 'No configuration file: pass -ConfigPath or create %ProgramData%\avimark-backup\config.json.' }
        if (-not (Test-Path -LiteralPath $config -PathType Leaf)) { throw "Configuration file '$config' does not exist." }
        $config = (Resolve-Path -LiteralPath $config).ProviderPath
    }
    catch { $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord $_.Exception, 'AvimarkBackup.TaskSetup', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $null)) }

    $principal = New-ScheduledTaskPrincipal -UserId 'NT AUTHORITY\SYSTEM' -LogonType ServiceAccount -RunLevel Highest
    $tasks = New-Object System.Collections.Generic.List[object]
    $tasks.Add([pscustomobject]@{
            Name        = $script:AvimarkTaskNames.Nightly
            Description = 'avimark-backup: takes AVImark offline briefly, backs it up and gives it back.'
            Action      = Get-AvimarkTaskAction -Executable $exe -Arguments @('backup', '--config', $config)
            Trigger     = New-ScheduledTaskTrigger -Daily -At $At
            Settings    = Get-AvimarkTaskSettings -ExecutionTimeLimit $ExecutionTimeLimit -StartWhenAvailable
        })
    if (-not $NoStartupRecover) {
        $tasks.Add([pscustomobject]@{
                Name        = $script:AvimarkTaskNames.Recover
                Description = 'avimark-backup: after a crash or power loss during a backup, gives AVImark back (share, services, avimark.exe).'
                Action      = Get-AvimarkTaskAction -Executable $exe -Arguments @('recover', '--config', $config)
                Trigger     = New-ScheduledTaskTrigger -AtStartup
                # recover waits for a server still booting itself (lockout.recoverWaitMinutes); if it still
                # fails, Task Scheduler runs it again (RestartOnFailure) three times, five minutes apart.
                Settings    = Get-AvimarkTaskSettings -ExecutionTimeLimit (New-TimeSpan -Minutes 30) -RestartCount 3 -RestartInterval (New-TimeSpan -Minutes 5)
            })
    }
    if ($WeeklyDrill) {
        $tasks.Add([pscustomobject]@{
                Name        = $script:AvimarkTaskNames.Drill
                Description = 'avimark-backup: restores a snapshot into a scratch folder and checks it.'
                Action      = Get-AvimarkTaskAction -Executable $exe -Arguments @('drill', '--config', $config)
                Trigger     = New-ScheduledTaskTrigger -Weekly -DaysOfWeek $DrillDay -At $DrillAt
                Settings    = Get-AvimarkTaskSettings -ExecutionTimeLimit $ExecutionTimeLimit -StartWhenAvailable
            })
    }

    $wanted = @($tasks | ForEach-Object { $_.Name })
    foreach ($name in @($script:AvimarkTaskNames.Values)) {
        $existing = Get-ScheduledTask -TaskName $name -TaskPath $TaskPath -ErrorAction SilentlyContinue
        if ($existing -and $PSCmdlet.ShouldProcess("$TaskPath$name", 'Unregister the existing task')) {
            Unregister-ScheduledTask -TaskName $name -TaskPath $TaskPath -Confirm:$false -ErrorAction Stop
        }
    }
    foreach ($task in $tasks) {
        if (-not $PSCmdlet.ShouldProcess("$TaskPath$($task.Name)", 'Register scheduled task')) { continue }
        try {
            Register-ScheduledTask -TaskName $task.Name -TaskPath $TaskPath -Description $task.Description `
                -Action $task.Action -Trigger $task.Trigger -Principal $principal -Settings $task.Settings -ErrorAction Stop
        }
        catch { $PSCmdlet.ThrowTerminatingError($_) }
    }
    Write-Verbose ("Registered: " + ($wanted -join ', '))
}
