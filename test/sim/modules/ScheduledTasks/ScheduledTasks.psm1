# Simulated ScheduledTasks module (Windows Server 2025 docs, see shared/reference/windows-powershell.md §5).
# Tasks live under the key "scheduledTasks" of the simulated server's state file ($env:AVIMARK_SIM_STATE),
# read and written through AvbSim.State (lock file + atomic replace), like the other simulated modules.
# Every cmdlet call is recorded with its bound parameters (state "calls").
Set-StrictMode -Version 2.0

$script:CimPrefix = 'Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/'

function Get-SimTasks {
    $state = Read-AvbSimState
    if (-not $state.ContainsKey('scheduledTasks') -or $null -eq $state['scheduledTasks']) { return , @() }
    return , @($state['scheduledTasks'] | Where-Object { $null -ne $_ })
}

function Update-SimTasks {
    <# Runs $Action with the task list; it returns @{ Tasks = <new list>; Result = <value> }. #>
    param([scriptblock]$Action)
    Update-AvbSimState {
        param($state)
        $tasks = @()
        if ($state.ContainsKey('scheduledTasks') -and $null -ne $state['scheduledTasks']) { $tasks = @($state['scheduledTasks'] | Where-Object { $null -ne $_ }) }
        $outcome = & $Action $tasks
        $state['scheduledTasks'] = @($outcome.Tasks)
        $outcome.Result
    }
}

function New-SimCimObject {
    param([string]$ClassName, [System.Collections.IDictionary]$Properties)
    $object = [pscustomobject]$Properties
    $object.PSObject.TypeNames.Insert(0, "$script:CimPrefix$ClassName")
    $object | Add-Member -MemberType NoteProperty -Name CimClass -Value ([pscustomobject]@{ CimClassName = $ClassName }) -Force
    return $object
}

function ConvertTo-TaskDuration {
    <# TimeSpan -> the XML duration Task Scheduler stores ('PT4H', 'PT72H', 'PT0S'). #>
    param([TimeSpan]$Value)
    if ($Value -eq [TimeSpan]::Zero) { return 'PT0S' }
    $text = 'PT'
    $hours = [Math]::Floor($Value.TotalHours)
    if ($hours) { $text += "$($hours)H" }
    if ($Value.Minutes) { $text += "$($Value.Minutes)M" }
    if ($Value.Seconds) { $text += "$($Value.Seconds)S" }
    return $text
}

function Assert-SimCimObject {
    param($Value, [string]$ClassPattern, [string]$Parameter, [string]$Cmdlet)
    foreach ($item in @($Value)) {
        $names = @($item.PSObject.TypeNames)
        if (-not ($names | Where-Object { $_ -like "$script:CimPrefix$ClassPattern" })) {
            throw "${Cmdlet}: Cannot process argument transformation on parameter '$Parameter'. Expected a CimInstance of class $ClassPattern."
        }
    }
}

function New-ScheduledTaskAction {
    [CmdletBinding()]
    param(
        [string]$Id,
        [Parameter(Mandatory = $true, Position = 0)][string]$Execute,
        [Parameter(Position = 1)][string]$Argument,
        [Parameter(Position = 2)][string]$WorkingDirectory,
        [object[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob
    )
    New-SimCimObject 'MSFT_TaskExecAction' ([ordered]@{
            Id = $(if ($Id) { $Id } else { $null }); Execute = $Execute
            Arguments = $(if ($PSBoundParameters.ContainsKey('Argument')) { $Argument } else { $null })
            WorkingDirectory = $(if ($WorkingDirectory) { $WorkingDirectory } else { $null })
        })
}

function New-ScheduledTaskTrigger {
    [CmdletBinding(DefaultParameterSetName = 'Once')]
    param(
        [Parameter(ParameterSetName = 'Once', Mandatory = $true)][Parameter(ParameterSetName = 'Daily', Mandatory = $true)]
        [Parameter(ParameterSetName = 'Weekly', Mandatory = $true)][DateTime]$At,
        [Parameter(ParameterSetName = 'Once', Mandatory = $true)][switch]$Once,
        [Parameter(ParameterSetName = 'Once')][TimeSpan]$RepetitionDuration,
        [Parameter(ParameterSetName = 'Once')][TimeSpan]$RepetitionInterval,
        [Parameter(ParameterSetName = 'Daily', Mandatory = $true)][switch]$Daily,
        [Parameter(ParameterSetName = 'Daily')][uint32]$DaysInterval = 1,
        [Parameter(ParameterSetName = 'Weekly', Mandatory = $true)][switch]$Weekly,
        [Parameter(ParameterSetName = 'Weekly')][System.DayOfWeek[]]$DaysOfWeek,
        [Parameter(ParameterSetName = 'Weekly')][uint32]$WeeksInterval = 1,
        [Parameter(ParameterSetName = 'AtStartup', Mandatory = $true)][switch]$AtStartup,
        [Parameter(ParameterSetName = 'AtLogOn', Mandatory = $true)][switch]$AtLogOn,
        [Parameter(ParameterSetName = 'AtLogOn')][string]$User,
        [TimeSpan]$RandomDelay,
        [object[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob
    )
    $common = [ordered]@{ Enabled = $true; RandomDelay = $(if ($PSBoundParameters.ContainsKey('RandomDelay')) { ConvertTo-TaskDuration $RandomDelay } else { $null }) }
    $start = if ($PSBoundParameters.ContainsKey('At')) { $At.ToString('yyyy-MM-ddTHH:mm:ss', [Globalization.CultureInfo]::InvariantCulture) } else { $null }
    switch ($PSCmdlet.ParameterSetName) {
        'Once' { $class = 'MSFT_TaskTimeTrigger'; $common['StartBoundary'] = $start }
        'Daily' { $class = 'MSFT_TaskDailyTrigger'; $common['StartBoundary'] = $start; $common['DaysInterval'] = [int]$DaysInterval }
        'Weekly' {
            $class = 'MSFT_TaskWeeklyTrigger'; $common['StartBoundary'] = $start; $common['WeeksInterval'] = [int]$WeeksInterval
            $mask = 0
            foreach ($day in @($DaysOfWeek)) { $mask = $mask -bor (1 -shl [int]$day) }
            if (-not $mask) { $mask = 1 -shl [int]$At.DayOfWeek }
            $common['DaysOfWeek'] = $mask
        }
        'AtStartup' { $class = 'MSFT_TaskBootTrigger' }
        'AtLogOn' { $class = 'MSFT_TaskLogonTrigger'; $common['UserId'] = $(if ($User) { $User } else { $null }) }
    }
    New-SimCimObject $class $common
}

function New-ScheduledTaskPrincipal {
    [CmdletBinding(DefaultParameterSetName = 'User')]
    param(
        [Parameter(ParameterSetName = 'Group', Mandatory = $true, Position = 0)][string]$GroupId,
        [Parameter(ParameterSetName = 'User', Mandatory = $true, Position = 4)][string]$UserId,
        [Parameter(ParameterSetName = 'User', Position = 5)][ValidateSet('None', 'Password', 'S4U', 'Interactive', 'Group', 'ServiceAccount', 'InteractiveOrPassword')][string]$LogonType,
        [Parameter(Position = 1)][string]$Id,
        [Parameter(Position = 2)][ValidateSet('Limited', 'Highest')][string]$RunLevel = 'Limited',
        [Parameter(Position = 3)][ValidateSet('None', 'Unrestricted', 'Default')][string]$ProcessTokenSidType = 'Default',
        [string[]]$RequiredPrivilege,
        [object[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob
    )
    New-SimCimObject 'MSFT_TaskPrincipal2' ([ordered]@{
            Id = $(if ($Id) { $Id } else { 'Author' })
            UserId = $(if ($UserId) { $UserId } else { $null })
            GroupId = $(if ($GroupId) { $GroupId } else { $null })
            LogonType = $(if ($LogonType) { $LogonType } elseif ($GroupId) { 'Group' } else { 'None' })
            RunLevel = $RunLevel; ProcessTokenSidType = $ProcessTokenSidType
            RequiredPrivilege = $(if ($RequiredPrivilege) { @($RequiredPrivilege) } else { $null })
        })
}

function New-ScheduledTaskSettingsSet {
    [CmdletBinding()]
    param(
        [switch]$DisallowDemandStart, [switch]$DisallowHardTerminate,
        [ValidateSet('At', 'V1', 'Vista', 'Win7', 'Win8')][string]$Compatibility = 'Vista',
        [TimeSpan]$DeleteExpiredTaskAfter, [switch]$AllowStartIfOnBatteries, [switch]$Disable, [switch]$MaintenanceExclusive,
        [switch]$Hidden, [switch]$RunOnlyIfIdle, [TimeSpan]$IdleWaitTimeout, [string]$NetworkId, [string]$NetworkName,
        [switch]$DisallowStartOnRemoteAppSession, [TimeSpan]$MaintenancePeriod, [TimeSpan]$MaintenanceDeadline,
        [switch]$StartWhenAvailable, [switch]$DontStopIfGoingOnBatteries, [switch]$WakeToRun, [TimeSpan]$IdleDuration,
        [switch]$RestartOnIdle, [switch]$DontStopOnIdleEnd, [TimeSpan]$ExecutionTimeLimit,
        [ValidateSet('Parallel', 'Queue', 'IgnoreNew')][string]$MultipleInstances = 'IgnoreNew',
        [ValidateRange(0, 10)][int]$Priority = 7, [int]$RestartCount = 0, [TimeSpan]$RestartInterval,
        [switch]$RunOnlyIfNetworkAvailable,
        [object[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob
    )
    New-SimCimObject 'MSFT_TaskSettings3' ([ordered]@{
            AllowDemandStart = -not $DisallowDemandStart; AllowHardTerminate = -not $DisallowHardTerminate
            Compatibility = $Compatibility
            DeleteExpiredTaskAfter = $(if ($PSBoundParameters.ContainsKey('DeleteExpiredTaskAfter')) { ConvertTo-TaskDuration $DeleteExpiredTaskAfter } else { $null })
            DisallowStartIfOnBatteries = -not $AllowStartIfOnBatteries
            DisallowStartOnRemoteAppSession = [bool]$DisallowStartOnRemoteAppSession
            Enabled = -not $Disable
            ExecutionTimeLimit = $(if ($PSBoundParameters.ContainsKey('ExecutionTimeLimit')) { ConvertTo-TaskDuration $ExecutionTimeLimit } else { 'PT72H' })
            Hidden = [bool]$Hidden; MultipleInstances = $MultipleInstances; Priority = $Priority
            RestartCount = $RestartCount
            RestartInterval = $(if ($PSBoundParameters.ContainsKey('RestartInterval')) { ConvertTo-TaskDuration $RestartInterval } else { $null })
            RunOnlyIfIdle = [bool]$RunOnlyIfIdle; RunOnlyIfNetworkAvailable = [bool]$RunOnlyIfNetworkAvailable
            StartWhenAvailable = [bool]$StartWhenAvailable; StopIfGoingOnBatteries = -not $DontStopIfGoingOnBatteries
            WakeToRun = [bool]$WakeToRun; MaintenanceExclusive = [bool]$MaintenanceExclusive
            NetworkName = $(if ($NetworkName) { $NetworkName } else { $null })
        })
}

function ConvertTo-SimTask {
    <# A stored task (a hashtable from the state file) -> the MSFT_ScheduledTask-shaped object Get-/Register-ScheduledTask return. #>
    param([System.Collections.IDictionary]$Stored)
    $restore = {
        param($Value, [string]$Class)
        if ($null -eq $Value) { return $null }
        $copy = [ordered]@{}
        foreach ($key in $Value.Keys) { if ($key -ne 'ClassName') { $copy[$key] = $Value[$key] } }
        New-SimCimObject $(if ($Value.Contains('ClassName')) { $Value['ClassName'] } else { $Class }) $copy
    }
    $actions = @(foreach ($a in @($Stored['Actions'])) { if ($null -ne $a) { & $restore $a 'MSFT_TaskExecAction' } })
    $triggers = @(foreach ($t in @($Stored['Triggers'])) { if ($null -ne $t) { & $restore $t 'MSFT_TaskTrigger' } })
    New-SimCimObject 'MSFT_ScheduledTask' ([ordered]@{
            TaskName = $Stored['TaskName']; TaskPath = $Stored['TaskPath']; URI = "$($Stored['TaskPath'])$($Stored['TaskName'])"
            State = $(if ($Stored['Settings']['Enabled']) { 'Ready' } else { 'Disabled' })
            Description = $Stored['Description']; Author = $Stored['Author']
            Actions = $actions; Triggers = $triggers
            Principal = (& $restore $Stored['Principal'] 'MSFT_TaskPrincipal2')
            Settings = (& $restore $Stored['Settings'] 'MSFT_TaskSettings3')
        })
}

function ConvertTo-StoredCim {
    param($Value)
    if ($null -eq $Value) { return $null }
    $copy = [ordered]@{ ClassName = $Value.CimClass.CimClassName }
    foreach ($p in $Value.PSObject.Properties) { if ($p.Name -ne 'CimClass') { $copy[$p.Name] = $p.Value } }
    return $copy
}

function ConvertFrom-SimJson {
    param([string]$Text)
    return ConvertFrom-Json -InputObject $Text -AsHashtable -Depth 64
}

function Register-ScheduledTask {
    [CmdletBinding(DefaultParameterSetName = 'User')]
    param(
        [switch]$Force,
        [Parameter(ParameterSetName = 'User', Position = 6)][Parameter(ParameterSetName = 'Xml', Position = 3)][string]$Password,
        [Parameter(ParameterSetName = 'User', Position = 5)][Parameter(ParameterSetName = 'Xml', Position = 2)][string]$User,
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'User')]
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Xml')]
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Principal')][string]$TaskName,
        [Parameter(Position = 1)][string]$TaskPath = '\',
        [Parameter(Mandatory = $true, Position = 2, ParameterSetName = 'User')]
        [Parameter(Mandatory = $true, Position = 2, ParameterSetName = 'Principal')][object[]]$Action,
        [Parameter(Position = 3, ParameterSetName = 'User')][Parameter(Position = 3, ParameterSetName = 'Principal')][string]$Description,
        [Parameter(Position = 4, ParameterSetName = 'User')][Parameter(Position = 4, ParameterSetName = 'Principal')][object]$Settings,
        [Parameter(Position = 5, ParameterSetName = 'User')][Parameter(Position = 5, ParameterSetName = 'Principal')][object[]]$Trigger,
        [Parameter(Position = 7, ParameterSetName = 'User')][ValidateSet('Limited', 'Highest')][string]$RunLevel = 'Limited',
        [Parameter(Position = 2, ParameterSetName = 'Principal')][object]$Principal,
        [Parameter(Mandatory = $true, ParameterSetName = 'Xml')][string]$Xml,
        [object[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob
    )
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    if ($PSCmdlet.ParameterSetName -eq 'Xml') { throw 'Simulator: Register-ScheduledTask -Xml is not simulated.' }
    if (-not ($TaskPath.StartsWith('\') -and $TaskPath.EndsWith('\'))) {
        Write-Error -Message 'The specified path is invalid.' -Category InvalidArgument -ErrorId 'HRESULT 0x800700a1'
        return
    }
    $actions = @($Action)
    if ($actions.Count -lt 1 -or $actions.Count -gt 32) { throw 'Register-ScheduledTask: between 1 and 32 actions are allowed.' }
    Assert-SimCimObject $actions 'MSFT_TaskExecAction' 'Action' 'Register-ScheduledTask'
    $triggers = @(if ($Trigger) { $Trigger })
    if ($triggers.Count -gt 48) { throw 'Register-ScheduledTask: at most 48 triggers are allowed.' }
    if ($triggers.Count) { Assert-SimCimObject $triggers 'MSFT_Task*Trigger' 'Trigger' 'Register-ScheduledTask' }
    if ($PSBoundParameters.ContainsKey('Settings')) { Assert-SimCimObject $Settings 'MSFT_TaskSettings*' 'Settings' 'Register-ScheduledTask' }
    else { $Settings = New-ScheduledTaskSettingsSet }
    if ($PSCmdlet.ParameterSetName -eq 'Principal' -and $Principal) { Assert-SimCimObject $Principal 'MSFT_TaskPrincipal*' 'Principal' 'Register-ScheduledTask' }
    else {
        $userId = if ($User) { $User } else { [Environment]::UserName }
        $logon = if ($userId -match '^(NT AUTHORITY\\)?(SYSTEM|LOCALSERVICE|LOCAL SERVICE|NETWORKSERVICE|NETWORK SERVICE)$') { 'ServiceAccount' } elseif ($Password) { 'Password' } else { 'Interactive' }
        $Principal = New-ScheduledTaskPrincipal -UserId $userId -LogonType $logon -RunLevel $RunLevel
    }
    $stored = [ordered]@{
        TaskName = $TaskName; TaskPath = $TaskPath; Description = $(if ($Description) { $Description } else { $null })
        Author = [Environment]::UserName
        Actions = @($actions | ForEach-Object { ConvertTo-StoredCim $_ })
        Triggers = @($triggers | ForEach-Object { ConvertTo-StoredCim $_ })
        Principal = (ConvertTo-StoredCim $Principal); Settings = (ConvertTo-StoredCim $Settings)
    }
    Add-AvbSimCall 'Register-ScheduledTask' $PSBoundParameters
    $outcome = Update-SimTasks {
        param($tasks)
        $existing = @($tasks | Where-Object { $_['TaskName'] -eq $TaskName -and $_['TaskPath'] -eq $TaskPath })
        if ($existing.Count -and -not $Force) { return @{ Tasks = $tasks; Result = 'exists' } }
        $kept = @($tasks | Where-Object { -not ($_['TaskName'] -eq $TaskName -and $_['TaskPath'] -eq $TaskPath) })
        return @{ Tasks = @($kept + , $stored); Result = 'ok' }
    }
    if ($outcome -eq 'exists') {
        $exception = New-Object System.Exception 'Cannot create a file when that file already exists.'
        $record = New-Object System.Management.Automation.ErrorRecord $exception, 'HRESULT 0x800700b7', ([System.Management.Automation.ErrorCategory]::ResourceExists), 'PS_ScheduledTask'
        $PSCmdlet.WriteError($record)
        return
    }
    ConvertTo-SimTask (ConvertFrom-SimJson (ConvertTo-Json -InputObject $stored -Depth 20))
}

function Select-SimTask {
    param($Tasks, [string[]]$TaskName, [string[]]$TaskPath)
    foreach ($task in @($Tasks)) {
        if ($null -eq $task) { continue }
        $nameOk = -not $TaskName -or ($TaskName | Where-Object { $task['TaskName'] -like $_ })
        $pathOk = -not $TaskPath -or ($TaskPath | Where-Object { $task['TaskPath'] -like $_ })
        if ($nameOk -and $pathOk) { $task }
    }
}

function Write-SimNotFound {
    param($Cmdlet, [string]$Property, [string]$Value, [string]$CmdletName)
    $exception = New-Object System.Exception "No MSFT_ScheduledTask objects found with property '$Property' equal to '$Value'.  Verify the value of the property and retry."
    $record = New-Object System.Management.Automation.ErrorRecord $exception, "CmdletizationQuery_NotFound_$Property", ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $Value
    $Cmdlet.WriteError($record)
}

function Get-ScheduledTask {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][string[]]$TaskName,
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = $true)][string[]]$TaskPath,
        [object[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob
    )
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Add-AvbSimCall 'Get-ScheduledTask' $PSBoundParameters
    $all = Get-SimTasks
    $found = @(Select-SimTask $all $TaskName $TaskPath)
    if (-not $found.Count -and ($TaskName -or $TaskPath)) {
        if ($TaskName) { Write-SimNotFound $PSCmdlet 'TaskName' ($TaskName -join ',') 'Get-ScheduledTask' }
        else { Write-SimNotFound $PSCmdlet 'TaskPath' ($TaskPath -join ',') 'Get-ScheduledTask' }
        return
    }
    foreach ($task in $found) { ConvertTo-SimTask $task }
}

function Unregister-ScheduledTask {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'Query')]
    param(
        [Parameter(ParameterSetName = 'Query', Position = 0)][string[]]$TaskName,
        [Parameter(ParameterSetName = 'Query', Position = 1)][string[]]$TaskPath,
        [Parameter(ParameterSetName = 'InputObject', Mandatory = $true, ValueFromPipeline = $true)][object[]]$InputObject,
        [switch]$PassThru,
        [object[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob
    )
    begin {
        # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
        if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    }
    process {
        Add-AvbSimCall 'Unregister-ScheduledTask' $PSBoundParameters
        if ($PSCmdlet.ParameterSetName -eq 'InputObject') {
            $targets = @($InputObject | ForEach-Object { @{ TaskName = $_.TaskName; TaskPath = $_.TaskPath } })
        }
        else {
            $all = Get-SimTasks
            $targets = @(Select-SimTask $all $TaskName $TaskPath)
            if (-not $targets.Count) {
                Write-SimNotFound $PSCmdlet 'TaskName' ($TaskName -join ',') 'Unregister-ScheduledTask'
                return
            }
        }
        foreach ($target in $targets) {
            $uri = "$($target['TaskPath'])$($target['TaskName'])"
            Assert-AvbSimConfirmed -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Operation 'Unregister-ScheduledTask' -Target $uri -NoForceParameter
            if (-not $PSCmdlet.ShouldProcess($uri, 'Unregister-ScheduledTask')) { continue }
            $removed = Update-SimTasks {
                param($tasks)
                $kept = @($tasks | Where-Object { -not ($_['TaskName'] -eq $target['TaskName'] -and $_['TaskPath'] -eq $target['TaskPath']) })
                return @{ Tasks = $kept; Result = ($kept.Count -ne $tasks.Count) }
            }
            if (-not $removed) { Write-SimNotFound $PSCmdlet 'TaskName' $target['TaskName'] 'Unregister-ScheduledTask' }
        }
    }
}

Export-ModuleMember -Function New-ScheduledTaskAction, New-ScheduledTaskTrigger, New-ScheduledTaskPrincipal,
    New-ScheduledTaskSettingsSet, Register-ScheduledTask, Unregister-ScheduledTask, Get-ScheduledTask
