# avimark-backup: the PowerShell side of the Windows host bridge (src/host/powershell/).
#
# Loaded ONCE per PowerShell process; defines functions only. Every request arrives as
#     Invoke-AvbRequest '<base64 of UTF-8 JSON {"op": "...", "args": {...}}>'
# and is answered with ONE line on stdout: the marker '@@AVB@@' followed by compressed JSON
#     {"ok": true, "result": ...}   or   {"ok": false, "error": {"message", "category", "fqid"}}
# Values are only ever data: decoded here, passed to cmdlets as parameter values, never made into code.
# Runs on Windows PowerShell 5.1 and PowerShell 7: no `??`, no ternary, no -AsHashtable, no -EnumsAsStrings.

$ProgressPreference = 'SilentlyContinue'

$script:AvbMarker = '@@AVB@@'
$script:AvbCachingModes = @('None', 'Manual', 'Documents', 'Programs', 'BranchCache', 'Unknown')
$script:AvbFolderEnumerationModes = @('AccessBased', 'Unrestricted')
$script:AvbServiceStatuses = @('', 'Stopped', 'StartPending', 'StopPending', 'Running', 'ContinuePending', 'PausePending', 'Paused')
$script:AvbStartModes = @('Boot', 'System', 'Automatic', 'Manual', 'Disabled')
$script:AvbShadowCodes = @{
    1 = 'Access denied (run elevated, as an administrator)'; 2 = 'Invalid argument'; 3 = 'Specified volume not found'
    4 = 'Specified volume not supported'; 5 = 'Unsupported shadow copy context'; 6 = 'Insufficient storage'
    7 = 'Volume is in use'; 8 = 'Maximum number of shadow copies reached'; 9 = 'Another shadow copy operation is already in progress'
    10 = 'Shadow copy provider vetoed the operation'; 11 = 'Shadow copy provider not registered'; 12 = 'Shadow copy provider failure'
    13 = 'Unknown error'
}

# An enum value as its name, whether it arrives as an enum, a name or (raw CIM) an integer.
function ConvertTo-AvbEnumName($Value, [string[]]$Names) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [Enum]) { return $Value.ToString() }
    $text = "$Value"
    $number = 0
    if ([int]::TryParse($text, [ref]$number)) {
        if ($number -ge 0 -and $number -lt $Names.Count) { return $Names[$number] }
        return $text
    }
    return $text
}

function Test-AvbNotFound($ErrorRecord) {
    return "$($ErrorRecord.CategoryInfo.Category)" -eq 'ObjectNotFound'
}

function Test-AvbUnderPath([string]$Path, [string]$Prefix) {
    if ([string]::IsNullOrEmpty($Path)) { return $false }
    $p = $Prefix.TrimEnd('\', '/')
    return $Path.Equals($p, [StringComparison]::OrdinalIgnoreCase) -or
        $Path.StartsWith($p + '\', [StringComparison]::OrdinalIgnoreCase) -or
        $Path.StartsWith($p + '/', [StringComparison]::OrdinalIgnoreCase)
}

# Runs an external program with each argument passed as data; stderr is captured, never an error record.
function Invoke-AvbNative([string]$Program, [string[]]$Arguments) {
    $command = Get-Command -Name $Program -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($null -eq $command) { return @{ found = $false; exitCode = -1; output = @() } }
    $ErrorActionPreference = 'Continue'
    $exe = $command.Source
    $a = $Arguments
    # Each argument is a quoted expandable string: pwsh on Unix globs bare and splatted native arguments
    # (a message '*' would become file names); quoting changes nothing on Windows, which never globs.
    switch ($a.Count) {
        0 { $lines = @(& $exe 2>&1 | ForEach-Object { "$_" }) }
        1 { $lines = @(& $exe "$($a[0])" 2>&1 | ForEach-Object { "$_" }) }
        2 { $lines = @(& $exe "$($a[0])" "$($a[1])" 2>&1 | ForEach-Object { "$_" }) }
        3 { $lines = @(& $exe "$($a[0])" "$($a[1])" "$($a[2])" 2>&1 | ForEach-Object { "$_" }) }
        4 { $lines = @(& $exe "$($a[0])" "$($a[1])" "$($a[2])" "$($a[3])" 2>&1 | ForEach-Object { "$_" }) }
        default { throw 'Invoke-AvbNative supports at most 4 arguments.' }
    }
    return @{ found = $true; exitCode = $LASTEXITCODE; output = $lines }
}

# Windows PowerShell 5.1 (and pwsh < 7.3) pass native arguments without escaping embedded quotes:
# escape them the way the C runtime parses a command line, so the text arrives unchanged.
function ConvertTo-AvbNativeArgument([string]$Text) {
    $mode = Get-Variable -Name PSNativeCommandArgumentPassing -ValueOnly -ErrorAction SilentlyContinue
    if ($null -ne $mode -and "$mode" -ne 'Legacy') { return $Text }
    $escaped = [regex]::Replace($Text, '(\\*)"', { param($m) $m.Groups[1].Value + $m.Groups[1].Value + '\"' })
    if ($escaped -match '\s') { $escaped = [regex]::Replace($escaped, '(\\+)$', { param($m) $m.Groups[1].Value + $m.Groups[1].Value }) }
    return $escaped
}

function Get-AvbShareObject([string]$Name) {
    try {
        $share = Get-SmbShare -Name $Name -ErrorAction Stop | Where-Object { $_.Name -eq $Name } | Select-Object -First 1
    } catch {
        if (Test-AvbNotFound $_) { return $null }
        throw
    }
    return $share
}

function ConvertTo-AvbShare($s) {
    return [ordered]@{
        name                  = [string]$s.Name
        scopeName             = [string]$s.ScopeName
        path                  = [string]$s.Path
        description           = [string]$s.Description
        concurrentUserLimit   = [long]$s.ConcurrentUserLimit
        cachingMode           = ConvertTo-AvbEnumName $s.CachingMode $script:AvbCachingModes
        folderEnumerationMode = ConvertTo-AvbEnumName $s.FolderEnumerationMode $script:AvbFolderEnumerationModes
        encryptData           = [bool]$s.EncryptData
        continuouslyAvailable = [bool]$s.ContinuouslyAvailable
        caTimeout             = [long]$s.CATimeout
        temporary             = [bool]$s.Temporary
        special               = [bool]$s.Special
        securityDescriptor    = [string]$s.SecurityDescriptor
    }
}

function Invoke-AvbGetShare($a) {
    $share = Get-AvbShareObject ([string]$a.name)
    if ($null -eq $share) { return $null }
    return ConvertTo-AvbShare $share
}

function Invoke-AvbSetShareSecurityDescriptor($a) {
    $sddl = [string]$a.sddl
    if ([string]::IsNullOrWhiteSpace($sddl)) { throw 'Refusing to set an empty security descriptor (an empty or null DACL changes who may connect).' }
    Set-SmbShare -Name ([string]$a.name) -SecurityDescriptor $sddl -Force
}

function Invoke-AvbRemoveShare($a) {
    Remove-SmbShare -Name ([string]$a.name) -Force
}

function Invoke-AvbCreateShare($a) {
    $d = $a.definition
    $params = @{
        Name                  = [string]$d.name
        Path                  = [string]$d.path
        Description           = [string]$d.description
        ConcurrentUserLimit   = [uint32]$d.concurrentUserLimit
        CachingMode           = [string]$d.cachingMode
        FolderEnumerationMode = [string]$d.folderEnumerationMode
        EncryptData           = [bool]$d.encryptData
        ContinuouslyAvailable = [bool]$d.continuouslyAvailable
        CATimeout             = [uint32]$d.caTimeout
        SecurityDescriptor    = [string]$d.securityDescriptor
        Confirm               = $false
    }
    if (-not [string]::IsNullOrEmpty([string]$d.scopeName) -and [string]$d.scopeName -ne '*') { $params.ScopeName = [string]$d.scopeName }
    if ([bool]$d.temporary) { $params.Temporary = $true }
    New-SmbShare @params | Out-Null
}

function Invoke-AvbListSessions($a) {
    $list = @(Get-SmbSession | ForEach-Object {
            [ordered]@{
                sessionId          = "$($_.SessionId)"
                clientComputerName = [string]$_.ClientComputerName
                clientUserName     = [string]$_.ClientUserName
                numOpens           = [long]$_.NumOpens
            }
        })
    return , $list
}

function Invoke-AvbListOpenFiles($a) {
    $prefix = [string]$a.pathPrefix
    $list = @(Get-SmbOpenFile | Where-Object { Test-AvbUnderPath ([string]$_.Path) $prefix } | ForEach-Object {
            [ordered]@{
                fileId             = "$($_.FileId)"
                sessionId          = "$($_.SessionId)"
                path               = [string]$_.Path
                shareRelativePath  = [string]$_.ShareRelativePath
                clientComputerName = [string]$_.ClientComputerName
                clientUserName     = [string]$_.ClientUserName
            }
        })
    return , $list
}

# One id at a time, never without a filter: an id that is already gone is the desired end state.
function Invoke-AvbCloseOpenFiles($a) {
    foreach ($id in @($a.fileIds)) {
        $fileId = [uint64]::Parse([string]$id)
        try { Close-SmbOpenFile -FileId $fileId -Force } catch { if (-not (Test-AvbNotFound $_)) { throw } }
    }
}

function Invoke-AvbCloseSessions($a) {
    foreach ($id in @($a.sessionIds)) {
        $sessionId = [uint64]::Parse([string]$id)
        try { Close-SmbSession -SessionId $sessionId -Force } catch { if (-not (Test-AvbNotFound $_)) { throw } }
    }
}

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
    Start-Service -Name ([WildcardPattern]::Escape($name))
    $deadline = [DateTime]::UtcNow.AddSeconds([double]$a.timeoutSeconds)
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

function Invoke-AvbListProcesses($a) {
    $found = @()
    foreach ($raw in @($a.names)) {
        $name = ([string]$raw) -replace '\.exe$', ''
        $found += @(Get-Process -Name ([WildcardPattern]::Escape($name)) -ErrorAction SilentlyContinue | Where-Object { $_.ProcessName -eq $name })
    }
    $users = @{}
    if ($found.Count -gt 0) {
        # -IncludeUserName needs elevation; without it the user names are simply unknown.
        try {
            foreach ($p in @(Get-Process -Id ($found | ForEach-Object { $_.Id }) -IncludeUserName -ErrorAction Stop)) { $users[[int]$p.Id] = [string]$p.UserName }
        } catch { }
    }
    $list = @($found | ForEach-Object {
            $path = $null
            try { $path = [string]$_.Path } catch { }
            if ([string]::IsNullOrEmpty($path)) { $path = $null }
            $user = $null
            if ($users.ContainsKey([int]$_.Id) -and -not [string]::IsNullOrEmpty($users[[int]$_.Id])) { $user = $users[[int]$_.Id] }
            [ordered]@{ id = [int]$_.Id; name = [string]$_.ProcessName; sessionId = [int]$_.SessionId; userName = $user; path = $path }
        })
    return , $list
}

# Polite: taskkill without /F (a close request; refused for windowless or other-session processes).
function Invoke-AvbRequestProcessClose($a) {
    $outcomes = @(foreach ($id in @($a.ids)) {
            $r = Invoke-AvbNative 'taskkill.exe' @('/PID', ([string][int]$id))
            [ordered]@{ id = [int]$id; exitCode = $r.exitCode; output = ($r.output -join ' ') }
        })
    return , $outcomes
}

function Invoke-AvbForceStopProcesses($a) {
    $failures = @()
    foreach ($id in @($a.ids)) {
        try { Stop-Process -Id ([int]$id) -Force -ErrorAction Stop }
        catch { if (-not (Test-AvbNotFound $_)) { $failures += "$([int]$id): $($_.Exception.Message)" } }
    }
    if ($failures.Count -gt 0) { throw "Could not stop process(es) $($failures -join '; ')" }
}

function Get-AvbAliveIds([int[]]$Ids) {
    return @($Ids | Where-Object { $null -ne (Get-Process -Id $_ -ErrorAction SilentlyContinue) })
}

function Invoke-AvbWaitForProcessExit($a) {
    $ids = @(@($a.ids) | ForEach-Object { [int]$_ })
    $deadline = [DateTime]::UtcNow.AddSeconds([double]$a.timeoutSeconds)
    $alive = Get-AvbAliveIds $ids
    while ($alive.Count -gt 0 -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 200
        $alive = Get-AvbAliveIds $alive
    }
    return , @($alive)
}

function Invoke-AvbSendMessage($a) {
    $program = 'msg.exe'
    # A 32-bit process on 64-bit Windows is redirected to SysWOW64, which has no msg.exe.
    if ($env:windir -and [Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
        $program = Join-Path $env:windir 'Sysnative\msg.exe'
    }
    $text = ConvertTo-AvbNativeArgument ([string]$a.text)
    $r = Invoke-AvbNative $program @('*', "/TIME:$([int]$a.displaySeconds)", $text)
    return [ordered]@{ found = $r.found; exitCode = $r.exitCode; output = @($r.output) }
}

function Invoke-AvbPathExists($a) {
    return [bool](Test-Path -LiteralPath ([string]$a.path))
}

function Invoke-AvbRenameFile($a) {
    $from = [string]$a.from
    $to = [string]$a.to
    if (-not (Test-Path -LiteralPath $from)) { throw "Cannot rename '$from': it does not exist." }
    if (Test-Path -LiteralPath $to) { throw "Cannot rename '$from' to '$to': a file with that name already exists." }
    $fromDir = [System.IO.Path]::GetDirectoryName($from)
    $toDir = [System.IO.Path]::GetDirectoryName($to)
    if (-not [string]::Equals($fromDir, $toDir, [StringComparison]::OrdinalIgnoreCase)) {
        throw "Cannot rename '$from' to '$to': only renames within the same folder are supported."
    }
    Rename-Item -LiteralPath $from -NewName ([System.IO.Path]::GetFileName($to))
}

function Get-AvbVolumes {
    return @(Get-CimInstance -ClassName Win32_Volume | Where-Object { -not [string]::IsNullOrEmpty([string]$_.Name) })
}

function Invoke-AvbGetVolumeRoot($a) {
    $path = [string]$a.path
    $best = $null
    foreach ($v in Get-AvbVolumes) {
        $name = [string]$v.Name
        $bare = $name.TrimEnd('\', '/')
        $match = $path.StartsWith($name, [StringComparison]::OrdinalIgnoreCase) -or $path.Equals($bare, [StringComparison]::OrdinalIgnoreCase)
        if ($match -and ($null -eq $best -or $name.Length -gt $best.Length)) { $best = $name }
    }
    if ($null -eq $best) { throw "No volume holds '$path'." }
    return $best
}

function Get-AvbShadowObject([string]$Id) {
    return Get-CimInstance -ClassName Win32_ShadowCopy | Where-Object { $_.ID -eq $Id } | Select-Object -First 1
}

function ConvertTo-AvbShadow($sc) {
    $volume = [string]$sc.VolumeName
    foreach ($v in Get-AvbVolumes) { if ([string]$v.DeviceID -eq [string]$sc.VolumeName) { $volume = [string]$v.Name } }
    return [ordered]@{ id = [string]$sc.ID; volume = $volume; deviceObject = ([string]$sc.DeviceObject).TrimEnd('\') }
}

function Invoke-AvbShadowCopySupported($a) {
    $volume = [string]$a.volume
    try {
        $v = Get-AvbVolumes | Where-Object { [string]::Equals([string]$_.Name, $volume, [StringComparison]::OrdinalIgnoreCase) } | Select-Object -First 1
        if ($null -eq $v) { return $false }
        if (@('NTFS', 'ReFS') -notcontains [string]$v.FileSystem) { return $false }
        # Listing shadow copies needs the same rights as creating one (elevation).
        Get-CimInstance -ClassName Win32_ShadowCopy | Out-Null
        return $true
    } catch {
        return $false
    }
}

function Invoke-AvbCreateShadowCopy($a) {
    $volume = [string]$a.volume
    $r = Invoke-CimMethod -ClassName Win32_ShadowCopy -MethodName Create -Arguments @{ Volume = $volume; Context = 'ClientAccessible' }
    $code = [int]$r.ReturnValue
    if ($code -ne 0) {
        $meaning = $script:AvbShadowCodes[$code]
        if ($null -eq $meaning) { $meaning = 'undocumented return value' }
        throw "Shadow copy of $volume failed: Win32_ShadowCopy.Create returned $code ($meaning)."
    }
    $sc = Get-AvbShadowObject ([string]$r.ShadowID)
    if ($null -eq $sc) { throw "Shadow copy $($r.ShadowID) of $volume was created but cannot be found." }
    return ConvertTo-AvbShadow $sc
}

function Invoke-AvbGetShadowCopy($a) {
    $sc = Get-AvbShadowObject ([string]$a.id)
    if ($null -eq $sc) { return $null }
    return ConvertTo-AvbShadow $sc
}

function Invoke-AvbDeleteShadowCopy($a) {
    $sc = Get-AvbShadowObject ([string]$a.id)
    if ($null -eq $sc) { throw "No shadow copy with ID $($a.id) exists." }
    Remove-CimInstance -InputObject $sc -Confirm:$false
}

# Windows PowerShell 5.1 has Write-EventLog; PowerShell 7 removed it, so use System.Diagnostics.EventLog.
function Invoke-AvbWriteEvent($a) {
    $source = [string]$a.source
    $message = [string]$a.message
    $eventId = [int]$a.eventId
    $level = [string]$a.level
    if (@('Information', 'Warning', 'Error') -notcontains $level) { throw "Unknown event level '$level'." }
    if (Get-Command -Name Write-EventLog -ErrorAction SilentlyContinue) {
        try {
            Write-EventLog -LogName Application -Source $source -EventId $eventId -EntryType $level -Message $message
        } catch {
            $first = $_
            # Most likely the source is not registered yet (needs elevation once).
            try { New-EventLog -LogName Application -Source $source } catch { throw $first }
            Write-EventLog -LogName Application -Source $source -EventId $eventId -EntryType $level -Message $message
        }
    } else {
        if (-not [System.Diagnostics.EventLog]::SourceExists($source)) { [System.Diagnostics.EventLog]::CreateEventSource($source, 'Application') }
        [System.Diagnostics.EventLog]::WriteEntry($source, $message, [System.Diagnostics.EventLogEntryType]$level, $eventId)
    }
}

function Invoke-AvbInfo($a) {
    $isWindowsHost = ($PSVersionTable.PSEdition -ne 'Core') -or $IsWindows
    return [ordered]@{
        psVersion    = $PSVersionTable.PSVersion.ToString()
        psEdition    = [string]$PSVersionTable.PSEdition
        computerName = [Environment]::MachineName
        # avimark-backup only runs against Windows; a PowerShell on another OS is the test simulator.
        simulated    = -not $isWindowsHost
    }
}

# The allow-list: operation name -> function. Nothing else can be called through Invoke-AvbRequest.
$script:AvbOperations = @{
    info                       = 'Invoke-AvbInfo'
    getShare                   = 'Invoke-AvbGetShare'
    setShareSecurityDescriptor = 'Invoke-AvbSetShareSecurityDescriptor'
    removeShare                = 'Invoke-AvbRemoveShare'
    createShare                = 'Invoke-AvbCreateShare'
    listSessions               = 'Invoke-AvbListSessions'
    listOpenFiles              = 'Invoke-AvbListOpenFiles'
    closeOpenFiles             = 'Invoke-AvbCloseOpenFiles'
    closeSessions              = 'Invoke-AvbCloseSessions'
    getService                 = 'Invoke-AvbGetService'
    stopService                = 'Invoke-AvbStopService'
    startService               = 'Invoke-AvbStartService'
    setServiceStartType        = 'Invoke-AvbSetServiceStartType'
    listProcesses              = 'Invoke-AvbListProcesses'
    requestProcessClose        = 'Invoke-AvbRequestProcessClose'
    forceStopProcesses         = 'Invoke-AvbForceStopProcesses'
    waitForProcessExit         = 'Invoke-AvbWaitForProcessExit'
    sendMessage                = 'Invoke-AvbSendMessage'
    pathExists                 = 'Invoke-AvbPathExists'
    renameFile                 = 'Invoke-AvbRenameFile'
    getVolumeRoot              = 'Invoke-AvbGetVolumeRoot'
    shadowCopySupported        = 'Invoke-AvbShadowCopySupported'
    createShadowCopy           = 'Invoke-AvbCreateShadowCopy'
    getShadowCopy              = 'Invoke-AvbGetShadowCopy'
    deleteShadowCopy           = 'Invoke-AvbDeleteShadowCopy'
    writeEvent                 = 'Invoke-AvbWriteEvent'
}

function Invoke-AvbRequest([string]$Request) {
    $ErrorActionPreference = 'Stop'
    try {
        $json = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Request))
        $req = ConvertFrom-Json -InputObject $json
        $op = [string]$req.op
        if (-not $script:AvbOperations.ContainsKey($op)) { throw "Unknown operation '$op'." }
        $result = & $script:AvbOperations[$op] $req.args
        $envelope = [ordered]@{ ok = $true; result = $result }
    } catch {
        $envelope = [ordered]@{
            ok    = $false
            error = [ordered]@{
                message  = [string]$_.Exception.Message
                category = [string]$_.CategoryInfo.Category
                fqid     = [string]$_.FullyQualifiedErrorId
            }
        }
    }
    $out = ConvertTo-Json -InputObject $envelope -Compress -Depth 10
    # ASCII only (non-ASCII as \uXXXX): independent of console code pages and of how the reader splits bytes.
    $out = [regex]::Replace($out, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
    [Console]::Out.WriteLine($script:AvbMarker + $out)
}
