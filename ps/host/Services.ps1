# avimark-backup host operations: Windows services (status, stop, start, start type).
# Loaded into the one PowerShell process together with Host.ps1 (which holds the allow-list of operations and
# calls these functions); defines functions only. Values arrive as decoded JSON data and are passed as parameter
# values, never made into code. Runs on Windows PowerShell 5.1 and PowerShell 7.

$script:AvbServiceStatuses = @('', 'Stopped', 'StartPending', 'StopPending', 'Running', 'ContinuePending', 'PausePending', 'Paused')
$script:AvbStartModes = @('Boot', 'System', 'Automatic', 'Manual', 'Disabled')

function Get-AvbServiceInfo([string]$Name) {
    try {
        $svc = Get-Service -Name ([WildcardPattern]::Escape($Name)) -ErrorAction Stop | Where-Object { $_.Name -eq $Name } | Select-Object -First 1
    } catch {
        if (Test-AvbNotFound $_) { return $null }
        throw
    }
    if ($null -eq $svc) { return $null }
    $startType = ConvertTo-AvbEnumName $svc.StartType $script:AvbStartModes
    if ($startType -eq 'Automatic') {
        # .NET reports delayed-auto-start services as Automatic; the flag is Win32_Service.DelayedAutoStart.
        $cim = Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq $Name } | Select-Object -First 1
        if ($null -ne $cim -and $cim.DelayedAutoStart -eq $true) { $startType = 'AutomaticDelayedStart' }
    }
    return [ordered]@{
        name        = [string]$svc.Name
        displayName = [string]$svc.DisplayName
        status      = ConvertTo-AvbEnumName $svc.Status $script:AvbServiceStatuses
        startType   = $startType
    }
}

function Get-AvbExistingService([string]$Name) {
    $info = Get-AvbServiceInfo $Name
    if ($null -eq $info) { throw "The service '$Name' does not exist on this computer." }
    return $info
}

function Invoke-AvbGetService($a) {
    return Get-AvbServiceInfo ([string]$a.name)
}

function Invoke-AvbStopService($a) {
    $name = [string]$a.name
    $info = Get-AvbExistingService $name
    if ($info.status -eq 'Stopped') { return }
    # No -Force: Stop-Service -Force would also stop dependent services that nothing restarts afterwards.
    Stop-Service -Name ([WildcardPattern]::Escape($name)) -NoWait
    $deadline = [DateTime]::UtcNow.AddSeconds([double]$a.timeoutSeconds)
    while ($true) {
        $info = Get-AvbExistingService $name
        if ($info.status -eq 'Stopped') { return }
        if ([DateTime]::UtcNow -ge $deadline) { throw "The service '$name' did not stop within $($a.timeoutSeconds) seconds (status: $($info.status))." }
        Start-Sleep -Milliseconds 250
    }
}

function Invoke-AvbStartService($a) {
    $name = [string]$a.name
    $info = Get-AvbExistingService $name
    if ($info.status -eq 'Running') { return }
    if ($info.startType -eq 'Disabled') { throw "The service '$name' cannot be started because its start type is Disabled." }
    # A service still stopping cannot be started: the service manager answers 1056 and Start-Service gives up after
    # 2 s, then the service finishes stopping and stays down. Wait (up to timeoutSeconds) for the pending state to
    # end; if it does not, try anyway and let the service manager answer. The caller's call timeout covers both waits.
    $deadline = [DateTime]::UtcNow.AddSeconds([double]$a.timeoutSeconds)
    while ($info.status -like '*Pending' -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 250
        $info = Get-AvbExistingService $name
    }
    if ($info.status -eq 'Running') { return }
    $deadline = [DateTime]::UtcNow.AddSeconds([double]$a.timeoutSeconds)
    Start-Service -Name ([WildcardPattern]::Escape($name))
    while ($true) {
        $info = Get-AvbExistingService $name
        if ($info.status -eq 'Running') { return }
        if ([DateTime]::UtcNow -ge $deadline) { throw "The service '$name' did not start within $($a.timeoutSeconds) seconds (status: $($info.status))." }
        Start-Sleep -Milliseconds 250
    }
}

function Invoke-AvbScConfigStart([string]$Name, [string]$Mode) {
    $r = Invoke-AvbNative 'sc.exe' @('config', $Name, 'start=', $Mode)
    if (-not $r.found) { throw 'sc.exe was not found.' }
    if ($r.exitCode -ne 0) { throw "sc.exe config start= $Mode failed for '$Name' (exit $($r.exitCode)): $($r.output -join ' ')" }
}

# Sets the start type, then reads it back: "restore exactly" is verified, not assumed.
function Invoke-AvbSetServiceStartType($a) {
    $name = [string]$a.name
    $wanted = [string]$a.startType
    if (@('Automatic', 'AutomaticDelayedStart', 'Manual', 'Disabled') -notcontains $wanted) {
        throw "Refusing to set start type '$wanted' on '$name' (only Automatic, AutomaticDelayedStart, Manual and Disabled are settable)."
    }
    Get-AvbExistingService $name | Out-Null
    if ($wanted -eq 'AutomaticDelayedStart') {
        if ($PSVersionTable.PSVersion.Major -ge 6) { Set-Service -Name $name -StartupType AutomaticDelayedStart }
        else { Invoke-AvbScConfigStart $name 'delayed-auto' }
    } else {
        Set-Service -Name $name -StartupType $wanted
    }
    $now = (Get-AvbExistingService $name).startType
    if ($wanted -eq 'Automatic' -and $now -eq 'AutomaticDelayedStart') {
        # Set-Service -StartupType Automatic may leave the delayed-start flag set.
        Invoke-AvbScConfigStart $name 'auto'
        $now = (Get-AvbExistingService $name).startType
    }
    if ($now -ne $wanted) { throw "The start type of '$name' is $now after setting it to $wanted." }
}
