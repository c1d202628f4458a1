# The simulated Windows server keeps ALL its state in one JSON file named by $env:AVIMARK_SIM_STATE.
# Several processes use it at once (the PowerShell bridge, msg.exe/taskkill.exe/sc.exe stand-ins, the
# test itself), so every change takes <state>.lock (created exclusively; stale after 10 s) and
# replaces the file atomically (write <state>.tmp.<pid>, then rename over). test/sim/state.mjs
# implements the same protocol for Node.
Set-StrictMode -Version 3.0

function Get-AvbSimStatePath {
    $path = $env:AVIMARK_SIM_STATE
    if ([string]::IsNullOrEmpty($path)) { throw 'AVIMARK_SIM_STATE is not set: the simulated Windows server has no state file.' }
    return $path
}

function Read-AvbSimState {
    $raw = [System.IO.File]::ReadAllText((Get-AvbSimStatePath), [System.Text.UTF8Encoding]::new($false))
    $state = $raw | ConvertFrom-Json -AsHashtable -Depth 64
    # A hand-written state file may leave parts out: an absent part is empty.
    foreach ($key in @('shares', 'sessions', 'openFiles', 'services', 'volumes', 'shadowCopies', 'eventSources', 'events', 'messages', 'processes', 'calls', 'scheduledTasks')) {
        if (-not $state.ContainsKey($key) -or $null -eq $state[$key]) { $state[$key] = @() }
    }
    if (-not $state.ContainsKey('knobs') -or $null -eq $state.knobs) { $state.knobs = @{} }
    if (-not $state.ContainsKey('msg') -or $null -eq $state.msg) { $state.msg = @{ behaviour = 'ok' } }
    return $state
}

function Lock-AvbSimState {
    $lock = (Get-AvbSimStatePath) + '.lock'
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        try {
            $stream = [System.IO.File]::Open($lock, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write, [System.IO.FileShare]::None)
            $bytes = [System.Text.Encoding]::ASCII.GetBytes("$PID")
            $stream.Write($bytes, 0, $bytes.Length)
            $stream.Dispose()
            return $lock
        } catch [System.IO.IOException] {
            try {
                $age = [DateTime]::UtcNow - [System.IO.File]::GetLastWriteTimeUtc($lock)
                if ($age.TotalSeconds -gt 10) { [System.IO.File]::Delete($lock) }
            } catch { }
            if ([DateTime]::UtcNow -gt $deadline) { throw "Simulated server state is locked ($lock)." }
            Start-Sleep -Milliseconds 5
        }
    }
}

# Time-driven service behaviour, evaluated at every state update (deterministic given the clock):
# a StopPending service becomes Stopped StopDelayMs after the stop request (never when RefusesStop);
# a watchdog restarts a Stopped service WatchdogDelayMs (default 1000) after it stopped, unless Disabled.
function Step-AvbSimWatchdog([hashtable]$State) {
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    foreach ($svc in @($State.services)) {
        if ($svc.Status -eq 'StopPending' -and -not $svc.RefusesStop) {
            $delay = 0
            if ($svc.ContainsKey('StopDelayMs') -and $null -ne $svc.StopDelayMs) { $delay = [long]$svc.StopDelayMs }
            # Switch knobs.stopPendingMs: every service stays StopPending at least that long (issue 13 §3).
            $knob = Get-AvbSimKnob $State 'stopPendingMs'
            if ($null -ne $knob -and [long]$knob -gt $delay) { $delay = [long]$knob }
            if ($now -ge [long]$svc.StopRequestedAt + $delay) { $svc.Status = 'Stopped'; $svc.StoppedAt = $now }
        }
    }
    foreach ($svc in @($State.services)) {
        if ($svc.Watchdog -and $svc.Status -eq 'Stopped' -and $svc.StartType -ne 'Disabled') {
            $stoppedAt = 0
            if ($svc.ContainsKey('StoppedAt') -and $null -ne $svc.StoppedAt) { $stoppedAt = [long]$svc.StoppedAt }
            $delay = 1000
            if ($svc.ContainsKey('WatchdogDelayMs') -and $null -ne $svc.WatchdogDelayMs) { $delay = [long]$svc.WatchdogDelayMs }
            if ($now -ge $stoppedAt + $delay) {
                $svc.Status = 'Running'
                $restarts = 0
                if ($svc.ContainsKey('WatchdogRestarts') -and $null -ne $svc.WatchdogRestarts) { $restarts = [int]$svc.WatchdogRestarts }
                $svc.WatchdogRestarts = $restarts + 1
            }
        }
    }
}

# Runs $Update with the state hashtable under the lock and writes the result back atomically.
# Whatever $Update outputs is returned.
function Update-AvbSimState([scriptblock]$Update) {
    $path = Get-AvbSimStatePath
    $lock = Lock-AvbSimState
    try {
        $state = Read-AvbSimState
        Step-AvbSimWatchdog $state
        $result = & $Update $state
        $json = ConvertTo-Json -InputObject $state -Depth 64
        $tmp = "$path.tmp.$PID"
        [System.IO.File]::WriteAllText($tmp, $json, [System.Text.UTF8Encoding]::new($false))
        [System.IO.File]::Move($tmp, $path, $true)
        return $result
    } finally {
        [System.IO.File]::Delete($lock)
    }
}

# Records a simulated cmdlet call with its exact bound parameters (tests assert -Force, filters...).
function Add-AvbSimCall([string]$Command, [System.Collections.IDictionary]$Bound) {
    $params = [ordered]@{}
    foreach ($key in $Bound.Keys) {
        $value = $Bound[$key]
        if ($value -is [System.Management.Automation.SwitchParameter]) { $value = $value.IsPresent }
        $params[$key] = $value
    }
    Update-AvbSimState {
        param($s)
        $s.calls = @($s.calls) + @([ordered]@{ Command = $Command; Parameters = $params })
    } | Out-Null
}

# A knob's value, or $null when the state does not set it.
function Get-AvbSimKnob([hashtable]$State, [string]$Name) {
    if (-not $State.ContainsKey('knobs') -or $null -eq $State.knobs -or -not $State.knobs.ContainsKey($Name)) { return $null }
    return $State.knobs[$Name]
}

# Switch knobs.bootNotReady = @{ calls = N; untilMs = <epoch ms>; commands = @('Get-SmbShare', ...) } (issue 13 §6):
# right after boot the Server service / SMB WMI provider and the service control manager may not answer.
# The first N calls (and every call before untilMs) of the listed commands (default: every SmbShare and
# service cmdlet) fail with a terminating error shaped like the real one. [INFERRED: the exact text on a
# booting server; see docs/windows-validation.md.]
$script:AvbSimBootCommands = @('Get-SmbShare', 'New-SmbShare', 'Set-SmbShare', 'Remove-SmbShare', 'Get-SmbSession', 'Close-SmbSession',
    'Get-SmbOpenFile', 'Close-SmbOpenFile', 'Get-SmbShareAccess', 'Grant-SmbShareAccess', 'Revoke-SmbShareAccess', 'Block-SmbShareAccess',
    'Unblock-SmbShareAccess', 'Get-Service', 'Stop-Service', 'Start-Service', 'Set-Service')

function Test-AvbSimBootNotReady([string]$Command) {
    $state = Read-AvbSimState
    $boot = Get-AvbSimKnob $state 'bootNotReady'
    if ($null -eq $boot) { return $false }
    $commands = $script:AvbSimBootCommands
    if ($boot.ContainsKey('commands') -and $null -ne $boot.commands) { $commands = @($boot.commands) }
    if ($commands -notcontains $Command) { return $false }
    return [bool](Update-AvbSimState {
            param($s)
            $b = $s.knobs.bootNotReady
            $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
            $failed = 0
            if ($b.ContainsKey('failed') -and $null -ne $b.failed) { $failed = [int]$b.failed }
            $byTime = $b.ContainsKey('untilMs') -and $null -ne $b.untilMs -and $now -lt [long]$b.untilMs
            $byCount = $b.ContainsKey('calls') -and $null -ne $b.calls -and $failed -lt [int]$b.calls
            if ($byTime -or $byCount) { $b.failed = $failed + 1; return $true }
            return $false
        })
}

function Invoke-AvbSimBootFailure([string]$Command) {
    if ($Command -like '*-Service') {
        $exception = [System.InvalidOperationException]::new("Cannot open Service Control Manager on computer '.'. This operation might require other privileges.")
        $record = [System.Management.Automation.ErrorRecord]::new($exception, "CouldNotOpenServiceControlManager,$Command", [System.Management.Automation.ErrorCategory]::NotSpecified, $null)
    } else {
        $exception = [System.InvalidOperationException]::new('The Server service is not started.')
        $record = [System.Management.Automation.ErrorRecord]::new($exception, "Windows System Error 2114,$Command", [System.Management.Automation.ErrorCategory]::NotSpecified, 'MSFT_SMBShare')
    }
    throw $record
}

# Knobs: $state.knobs.hang.<Command> = seconds makes that command hang (to test the bridge's timeout);
# $state.knobs.exit.<Command> = code makes the whole PowerShell process exit in the middle of it;
# $state.knobs.bootNotReady (see above) makes it fail as on a server that is still booting.
function Invoke-AvbSimHang([string]$Command) {
    if (Test-AvbSimBootNotReady $Command) { Invoke-AvbSimBootFailure $Command }
    $state = Read-AvbSimState
    if ($state.ContainsKey('knobs') -and $state.knobs -and $state.knobs.ContainsKey('exit') -and $state.knobs.exit -and $state.knobs.exit.ContainsKey($Command)) {
        [Environment]::Exit([int]$state.knobs.exit[$Command])
    }
    if ($state.ContainsKey('knobs') -and $state.knobs -and $state.knobs.ContainsKey('hang') -and $state.knobs.hang -and $state.knobs.hang.ContainsKey($Command)) {
        Start-Sleep -Seconds ([double]$state.knobs.hang[$Command])
    }
}

# A non-terminating "not found" error record shaped like the CDXML cmdlets' (reference §0.2). The
# simulated cmdlet writes it itself ($PSCmdlet.WriteError) so the caller's -ErrorAction/preference applies.
function New-AvbSimNotFound {
    param([string]$Message, [string]$ErrorId, [string]$TargetName)
    $exception = [System.Management.Automation.ItemNotFoundException]::new($Message)
    return [System.Management.Automation.ErrorRecord]::new(
        $exception, $ErrorId, [System.Management.Automation.ErrorCategory]::ObjectNotFound, $TargetName)
}

# A confirming cmdlet called without -Force/-Confirm:$false would prompt; in a non-interactive host
# the prompt is an error. Fail loudly so a missing -Force is caught by the tests.
function Assert-AvbSimConfirmed {
    param([System.Management.Automation.PSCmdlet]$Cmdlet, [System.Collections.IDictionary]$Bound, [string]$Operation, [string]$Target, [switch]$NoForceParameter)
    $forced = (-not $NoForceParameter) -and $Bound.ContainsKey('Force') -and [bool]$Bound['Force']
    $unconfirmed = $Bound.ContainsKey('Confirm') -and -not [bool]$Bound['Confirm']
    if (-not ($forced -or $unconfirmed)) {
        $exception = [System.Management.Automation.Host.HostException]::new(
            "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available. (Prompt: Performing operation '$Operation' on Target '$Target'.)")
        $record = [System.Management.Automation.ErrorRecord]::new($exception, 'SimulatedPromptWithoutForce', [System.Management.Automation.ErrorCategory]::InvalidOperation, $Target)
        $Cmdlet.ThrowTerminatingError($record)
    }
}
