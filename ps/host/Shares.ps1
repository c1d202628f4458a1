# avimark-backup host operations: SMB shares, their sessions and open files.
# Loaded into the one PowerShell process together with Host.ps1 (which holds the allow-list of operations and
# calls these functions); defines functions only. Values arrive as decoded JSON data and are passed as parameter
# values, never made into code. Runs on Windows PowerShell 5.1 and PowerShell 7.

$script:AvbCachingModes = @('None', 'Manual', 'Documents', 'Programs', 'BranchCache', 'Unknown')
$script:AvbFolderEnumerationModes = @('AccessBased', 'Unrestricted')

function Test-AvbUnderPath([string]$Path, [string]$Prefix) {
    if ([string]::IsNullOrEmpty($Path)) { return $false }
    $p = $Prefix.TrimEnd('\', '/')
    return $Path.Equals($p, [StringComparison]::OrdinalIgnoreCase) -or
        $Path.StartsWith($p + '\', [StringComparison]::OrdinalIgnoreCase) -or
        $Path.StartsWith($p + '/', [StringComparison]::OrdinalIgnoreCase)
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

# One call for all ids (one CIM query instead of one per id: with hundreds of open files, one call per file costs
# time proportional to the open-file table each time). Never without a filter: an empty list closes nothing.
# An id already gone is the desired end state; any other error fails the call.
function Invoke-AvbCloseOpenFiles($a) {
    $ids = [uint64[]]@(@($a.fileIds) | ForEach-Object { [uint64]::Parse([string]$_) })
    if ($ids.Count -eq 0) { return }
    # Errors as records (2>&1), so one id already gone does not stop the others.
    $ErrorActionPreference = 'Continue'
    Assert-AvbOnlyNotFound @(Close-SmbOpenFile -FileId $ids -Force 2>&1)
}

# Closing a session closes every file it holds, in one call.
function Invoke-AvbCloseSessions($a) {
    $ids = [uint64[]]@(@($a.sessionIds) | ForEach-Object { [uint64]::Parse([string]$_) })
    if ($ids.Count -eq 0) { return }
    $ErrorActionPreference = 'Continue'
    Assert-AvbOnlyNotFound @(Close-SmbSession -SessionId $ids -Force 2>&1)
}

function Assert-AvbOnlyNotFound($Output) {
    foreach ($r in @($Output)) {
        if ($r -is [System.Management.Automation.ErrorRecord] -and -not (Test-AvbNotFound $r)) { throw $r }
    }
}
