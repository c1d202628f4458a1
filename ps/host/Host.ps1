# avimark-backup: the PowerShell side of the Windows host bridge (src/host/powershell/).
#
# Loaded ONCE per PowerShell process, followed by the area files beside it (Shares, Services, Processes, Messages,
# Files, Shadows, EventLog, ScheduledTasks; src/host/powershell/host.ts HOST_SCRIPT); all of them define functions
# only. This file holds the protocol, the helpers the areas share and the one allow-list of operations.
# Every request arrives as
#     Invoke-AvbRequest '<base64 of UTF-8 JSON {"op": "...", "args": {...}}>'
# and is answered with ONE line on stdout: the marker '@@AVB@@' followed by compressed JSON
#     {"ok": true, "result": ...}   or   {"ok": false, "error": {"message", "category", "fqid"}}
# Values are only ever data: decoded here, passed to cmdlets as parameter values, never made into code.
# Runs on Windows PowerShell 5.1 and PowerShell 7: no `??`, no ternary, no -AsHashtable, no -EnumsAsStrings.

$ProgressPreference = 'SilentlyContinue'

$script:AvbMarker = '@@AVB@@'

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

# THE allow-list, the only one: operation name -> function (defined here or in an area file).
# Nothing else can be called through Invoke-AvbRequest.
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
    nameOnDisk                 = 'Invoke-AvbNameOnDisk'
    listFileLockers            = 'Invoke-AvbListFileLockers'
    renameFile                 = 'Invoke-AvbRenameFile'
    getAcls                    = 'Invoke-AvbGetAcls'
    setAcls                    = 'Invoke-AvbSetAcls'
    getVolumeRoot              = 'Invoke-AvbGetVolumeRoot'
    shadowCopySupported        = 'Invoke-AvbShadowCopySupported'
    createShadowCopy           = 'Invoke-AvbCreateShadowCopy'
    getShadowCopy              = 'Invoke-AvbGetShadowCopy'
    listShadowCopies           = 'Invoke-AvbListShadowCopies'
    deleteShadowCopy           = 'Invoke-AvbDeleteShadowCopy'
    writeEvent                 = 'Invoke-AvbWriteEvent'
    registerScheduledTask      = 'Invoke-AvbRegisterScheduledTask'
    getScheduledTask           = 'Invoke-AvbGetScheduledTask'
    unregisterScheduledTask    = 'Invoke-AvbUnregisterScheduledTask'
    sendMessageToOwnSession    = 'Invoke-AvbSendMessageToOwnSession'
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
    # ASCII only (non-ASCII as a \u escape of four hex digits): independent of console code pages and of how the reader splits bytes.
    $out = [regex]::Replace($out, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
    [Console]::Out.WriteLine($script:AvbMarker + $out)
}
