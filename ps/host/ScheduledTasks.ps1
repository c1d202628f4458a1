# avimark-backup host operations: scheduled tasks (selftest, and the lockout's safety net: a one-shot `recover`).
# Loaded into the one PowerShell process together with Host.ps1 (which holds the allow-list of operations and
# calls these functions); defines functions only. Values arrive as decoded JSON data and are passed as parameter
# values, never made into code. Runs on Windows PowerShell 5.1 and PowerShell 7.

function ConvertTo-AvbTaskInfo($t) {
    $action = @($t.Actions) | Select-Object -First 1
    $execute = ''
    $argument = ''
    if ($null -ne $action) { $execute = [string]$action.Execute; $argument = [string]$action.Arguments }
    return [ordered]@{
        taskPath = [string]$t.TaskPath
        taskName = [string]$t.TaskName
        state    = [string]$t.State
        execute  = $execute
        argument = $argument
        userId   = [string]$t.Principal.UserId
        runLevel = [string]$t.Principal.RunLevel
    }
}

function Get-AvbTaskObject([string]$TaskPath, [string]$TaskName) {
    $found = @(Get-ScheduledTask -TaskPath $TaskPath -ErrorAction SilentlyContinue |
            Where-Object { [string]::Equals([string]$_.TaskName, $TaskName, [StringComparison]::OrdinalIgnoreCase) })
    if ($found.Count -eq 0) { return $null }
    return $found[0]
}

# Replaces a task of the same path and name (-Force): a leftover from a killed selftest must not block the next one.
function Invoke-AvbRegisterScheduledTask($a) {
    $task = $a.task
    $taskPath = [string]$task.taskPath
    $taskName = [string]$task.taskName
    $action = New-ScheduledTaskAction -Execute ([string]$task.execute) -Argument ([string]$task.argument)
    $principal = New-ScheduledTaskPrincipal -UserId 'NT AUTHORITY\SYSTEM' -LogonType ServiceAccount -RunLevel Highest
    $limit = 5
    if ($null -ne $task.timeLimitMinutes) { $limit = [int]$task.timeLimitMinutes }
    # StartWhenAvailable: a one-shot trigger missed while the server was off runs as soon as it is back.
    $settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Minutes $limit) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew -StartWhenAvailable
    $register = @{
        TaskName = $taskName; TaskPath = $taskPath; Action = $action; Principal = $principal; Settings = $settings
        Description = ([string]$task.description); Force = $true; ErrorAction = 'Stop'
    }
    if ($task.runAt) {
        # Task Scheduler keeps a time trigger in local time: the UTC instant, as this machine's local time.
        $at = [DateTime]::Parse([string]$task.runAt, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind).ToLocalTime()
        $register['Trigger'] = New-ScheduledTaskTrigger -Once -At $at
    }
    Register-ScheduledTask @register | Out-Null
    return $null
}

function Invoke-AvbGetScheduledTask($a) {
    $t = Get-AvbTaskObject ([string]$a.taskPath) ([string]$a.taskName)
    if ($null -eq $t) { return $null }
    return ConvertTo-AvbTaskInfo $t
}

function Invoke-AvbUnregisterScheduledTask($a) {
    $taskPath = [string]$a.taskPath
    $taskName = [string]$a.taskName
    if ($null -eq (Get-AvbTaskObject $taskPath $taskName)) { throw "Scheduled task $taskPath$taskName does not exist." }
    Unregister-ScheduledTask -TaskName $taskName -TaskPath $taskPath -Confirm:$false -ErrorAction Stop
    # Remove the (now empty) task folder we created; the Schedule.Service COM API is Windows-only.
    if ($taskPath -ne '\' -and ($PSVersionTable.PSEdition -ne 'Core' -or $IsWindows)) {
        try {
            $service = New-Object -ComObject 'Schedule.Service'
            $service.Connect()
            $folder = $service.GetFolder($taskPath.TrimEnd('\'))
            if ($folder.GetTasks(1).Count -eq 0 -and $folder.GetFolders(0).Count -eq 0) {
                $service.GetFolder('\').DeleteFolder($taskPath.Trim('\'), 0)
            }
        } catch { }
    }
    return $null
}
