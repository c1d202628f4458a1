function Get-AvimarkSnapshot {
    <#
    .SYNOPSIS
    Lists the snapshots in the backup store (avimark-backup list).

    .DESCRIPTION
    Returns one object per snapshot, as avimark-backup list --json reports it (id, time, file count,
    size, verification state). -Id keeps only the snapshots whose id matches (wildcards allowed).

    .PARAMETER Id
    Snapshot id or wildcard pattern, e.g. '2026-11-2*'.

    .PARAMETER ConfigPath
    The avimark-backup configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run (default as for Invoke-AvimarkBackup).

    .EXAMPLE
    Get-AvimarkSnapshot | Select-Object -Last 1
    The newest snapshot.

    .EXAMPLE
    Get-AvimarkSnapshot -Id '2026-11-*' | Test-AvimarkSnapshot
    Verifies every snapshot taken in November 2026.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)][string]$Id,
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    $result = (Invoke-AvimarkCommand -Cmdlet $PSCmdlet -Arguments @('list') -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath).Output
    $snapshots = Write-AvimarkResult -InputObject $result -TypeName 'AvimarkBackup.Snapshot' -CollectionProperty 'snapshots'
    foreach ($snapshot in $snapshots) {
        $snapshotId = if ($snapshot.PSObject.Properties['id']) { [string]$snapshot.id } elseif ($snapshot.PSObject.Properties['snapshotId']) { [string]$snapshot.snapshotId } else { '' }
        if (-not $Id -or $snapshotId -like $Id) { $snapshot }
    }
}
