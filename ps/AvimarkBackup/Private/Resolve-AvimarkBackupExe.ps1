function Find-AvimarkBackupExe {
    <#
    .SYNOPSIS
    Finds avimark-backup: -ExecutablePath, then $env:AVIMARK_BACKUP_EXE, then the default install
    path, then PATH. Returns the program to start plus the arguments that go before ours (a .js/.cjs
    bundle runs under node, for development), or an object whose Problem says why there is none.
    Never throws (the caller turns Problem into its one error record).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([string]$ExecutablePath)

    $candidates = New-Object System.Collections.Generic.List[string]
    if ($ExecutablePath) { $candidates.Add($ExecutablePath) }
    elseif ($env:AVIMARK_BACKUP_EXE) { $candidates.Add($env:AVIMARK_BACKUP_EXE) }
    else {
        if ($env:ProgramFiles) { $candidates.Add((Join-Path $env:ProgramFiles 'avimark-backup\avimark-backup.exe')) }
        $onPath = Get-Command -Name 'avimark-backup' -CommandType Application -ErrorAction SilentlyContinue |
            Select-Object -First 1
        if ($onPath) { $candidates.Add($onPath.Source) }
    }

    foreach ($candidate in $candidates) {
        if (Test-Path -LiteralPath $candidate -PathType Leaf) {
            $full = (Resolve-Path -LiteralPath $candidate).ProviderPath
            if ($full -match '\.(c?js)$') {
                $node = Get-Command -Name 'node' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
                if (-not $node) { return [pscustomobject]@{ Problem = "avimark-backup bundle '$full' needs node, which is not on PATH." } }
                return [pscustomobject]@{ Execute = $node.Source; PrefixArguments = @($full); Path = $full; Problem = $null }
            }
            return [pscustomobject]@{ Execute = $full; PrefixArguments = @(); Path = $full; Problem = $null }
        }
    }
    $tried = if ($candidates.Count) { $candidates -join "', '" } else { '(nothing)' }
    return [pscustomobject]@{ Problem = "avimark-backup executable not found (tried '$tried'). Pass -ExecutablePath or set `$env:AVIMARK_BACKUP_EXE." }
}

function Resolve-AvimarkBackupExe {
    <# Find-AvimarkBackupExe, throwing its Problem (for callers that stop anyway: task registration). #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([string]$ExecutablePath)
    $found = Find-AvimarkBackupExe -ExecutablePath $ExecutablePath
    if ($found.Problem) { throw $found.Problem }
    return $found
}
