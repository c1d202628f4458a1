# avimark-backup host operations: files (exists, rename within a folder, NTFS access lists).
# Loaded into the one PowerShell process together with Host.ps1 (which holds the allow-list of operations and
# calls these functions); defines functions only. Values arrive as decoded JSON data and are passed as parameter
# values, never made into code. Runs on Windows PowerShell 5.1 and PowerShell 7.

function Invoke-AvbPathExists($a) {
    return [bool](Test-Path -LiteralPath ([string]$a.path))
}

# The path with its last part spelled as the folder lists it (an exact match first, else one that differs only
# in case, as Windows finds it), or $null when nothing is there.
function Invoke-AvbNameOnDisk($a) {
    $path = [string]$a.path
    $dir = [System.IO.Path]::GetDirectoryName($path)
    $leaf = [System.IO.Path]::GetFileName($path)
    if ([string]::IsNullOrEmpty($dir) -or [string]::IsNullOrEmpty($leaf) -or -not [System.IO.Directory]::Exists($dir)) { return $null }
    $found = $null
    foreach ($entry in [System.IO.Directory]::EnumerateFileSystemEntries($dir)) {
        $name = [System.IO.Path]::GetFileName($entry)
        if ([string]::Equals($name, $leaf, [StringComparison]::Ordinal)) { return [System.IO.Path]::Combine($dir, $name) }
        if ($null -eq $found -and [string]::Equals($name, $leaf, [StringComparison]::OrdinalIgnoreCase)) { $found = [System.IO.Path]::Combine($dir, $name) }
    }
    return $found
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

# A path below $Root as the snapshot names it: relative, '/'-separated ('' for $Root itself).
function Get-AvbRelativePath([string]$Root, [string]$Full) {
    if ($Full.Length -le $Root.Length) { return '' }
    return $Full.Substring($Root.Length).TrimStart([char[]]@('\', '/')).Replace('\', '/')
}

# The access lists (the DACL as SDDL, the 'Access' section) of a folder tree: the folder's own always, below it
# only the items whose list is not simply inherited (protected from inheritance, or holding an explicit entry).
# Items that cannot be read come back named, with why.
function Invoke-AvbGetAcls($a) {
    $root = [string]$a.root
    if (-not (Test-Path -LiteralPath $root -PathType Container)) { throw "Cannot read the permissions of '$root': the folder does not exist." }
    $rootFull = (Get-Item -LiteralPath $root -Force).FullName
    $items = New-Object System.Collections.Generic.List[object]
    $unreadable = New-Object System.Collections.Generic.List[object]
    $rootSddl = (Get-Acl -LiteralPath $rootFull).GetSecurityDescriptorSddlForm('Access')
    $listErrors = @()
    $children = @(Get-ChildItem -LiteralPath $rootFull -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable listErrors)
    foreach ($e in @($listErrors)) {
        $unreadable.Add([ordered]@{ path = (Get-AvbRelativePath $rootFull ([string]$e.TargetObject)); message = [string]$e.Exception.Message })
    }
    if ($children.Count -gt 0) {
        # One Get-Acl for all the items (each answer names its item in .Path); an item it cannot read is an error record.
        $aclErrors = @()
        $paths = [string[]]@($children | ForEach-Object { $_.FullName })
        $acls = @(Get-Acl -LiteralPath $paths -ErrorAction SilentlyContinue -ErrorVariable aclErrors)
        foreach ($e in @($aclErrors)) {
            $unreadable.Add([ordered]@{ path = (Get-AvbRelativePath $rootFull ([string]$e.TargetObject)); message = [string]$e.Exception.Message })
        }
        foreach ($acl in $acls) {
            $explicit = @($acl.GetAccessRules($true, $false, [System.Security.Principal.SecurityIdentifier]))
            if (-not $acl.AreAccessRulesProtected -and $explicit.Count -eq 0) { continue }
            $full = ([string]$acl.Path) -replace '^Microsoft\.PowerShell\.Core\\FileSystem::', ''
            $items.Add([ordered]@{ path = (Get-AvbRelativePath $rootFull $full); sddl = $acl.GetSecurityDescriptorSddlForm('Access') })
        }
    }
    return [ordered]@{ root = $rootSddl; items = $items.ToArray(); unreadable = $unreadable.ToArray() }
}

# Applies access lists captured by Invoke-AvbGetAcls to the items below $a.root ('' = the folder itself), in the
# order given, and reads each back: what every item reads back as (or why it could not be set) comes back for the
# caller to compare. One item that fails does not stop the others.
function Invoke-AvbSetAcls($a) {
    $root = [string]$a.root
    if (-not (Test-Path -LiteralPath $root -PathType Container)) { throw "Cannot set the permissions of '$root': the folder does not exist." }
    $out = New-Object System.Collections.Generic.List[object]
    $sep = [System.IO.Path]::DirectorySeparatorChar
    $below = [System.IO.Path]::GetFullPath($root).TrimEnd([char[]]@('\', '/')) + $sep
    foreach ($entry in @($a.entries)) {
        $rel = [string]$entry.path
        $target = $root
        if ($rel -ne '') {
            # Path.Combine returns $rel itself when it is rooted, and '..' climbs: only a place below $root is set.
            $target = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($root, $rel.Replace('/', $sep)))
            # (GetFullPath leaves a \\?\ path as it is, hence the check of the parts too.)
            $climbs = @($rel -split '[\\/]') -contains '..'
            if ($climbs -or [System.IO.Path]::IsPathRooted($rel) -or -not $target.StartsWith($below, [System.StringComparison]::OrdinalIgnoreCase)) {
                $out.Add([ordered]@{ path = $rel; sddl = $null; error = 'it is not below the folder (refused)' })
                continue
            }
        }
        if (-not (Test-Path -LiteralPath $target)) {
            $out.Add([ordered]@{ path = $rel; sddl = $null; error = 'it does not exist' })
            continue
        }
        try {
            $acl = Get-Acl -LiteralPath $target
            $acl.SetSecurityDescriptorSddlForm([string]$entry.sddl, 'Access')
            Set-Acl -LiteralPath $target -AclObject $acl
            $back = (Get-Acl -LiteralPath $target).GetSecurityDescriptorSddlForm('Access')
            $out.Add([ordered]@{ path = $rel; sddl = $back; error = $null })
        } catch {
            $out.Add([ordered]@{ path = $rel; sddl = $null; error = [string]$_.Exception.Message })
        }
    }
    return [ordered]@{ items = $out.ToArray() }
}
