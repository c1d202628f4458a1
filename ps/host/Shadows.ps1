# avimark-backup host operations: volumes and shadow copies (CIM Win32_Volume, Win32_ShadowCopy).
# Loaded into the one PowerShell process together with Host.ps1 (which holds the allow-list of operations and
# calls these functions); defines functions only. Values arrive as decoded JSON data and are passed as parameter
# values, never made into code. Runs on Windows PowerShell 5.1 and PowerShell 7.

$script:AvbShadowCodes = @{
    1 = 'Access denied (run elevated, as an administrator)'; 2 = 'Invalid argument'; 3 = 'Specified volume not found'
    4 = 'Specified volume not supported'; 5 = 'Unsupported shadow copy context'; 6 = 'Insufficient storage'
    7 = 'Volume is in use'; 8 = 'Maximum number of shadow copies reached'; 9 = 'Another shadow copy operation is already in progress'
    10 = 'Shadow copy provider vetoed the operation'; 11 = 'Shadow copy provider not registered'; 12 = 'Shadow copy provider failure'
    13 = 'Unknown error'
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

# Every shadow copy of one volume with its creation time (UTC, ISO 8601): recover finds ours among them.
function Invoke-AvbListShadowCopies($a) {
    $volume = [string]$a.volume
    $list = @(Get-CimInstance -ClassName Win32_ShadowCopy | ForEach-Object {
            $s = ConvertTo-AvbShadow $_
            if ([string]::Equals([string]$s.volume, $volume, [StringComparison]::OrdinalIgnoreCase)) {
                $d = $_.InstallDate
                if ($d -isnot [DateTime]) { $d = [DateTime]::Parse([string]$d, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind) }
                $s.createdAt = $d.ToUniversalTime().ToString('o')
                $s
            }
        })
    return , $list
}

function Invoke-AvbDeleteShadowCopy($a) {
    $sc = Get-AvbShadowObject ([string]$a.id)
    if ($null -eq $sc) { throw "No shadow copy with ID $($a.id) exists." }
    Remove-CimInstance -InputObject $sc -Confirm:$false
}
