function Get-AvimarkOffsiteSnapshot {
    <#
    .SYNOPSIS
    Lists the offsite copies in the restic repository (avimark-backup offsite list).

    .DESCRIPTION
    Returns one object per offsite copy: our snapshot ID, restic's snapshot id, when it was taken, the
    computer, and whether the local store still holds that snapshot. -Id keeps only the copies whose
    snapshot ID matches (wildcards allowed). -Status returns the summary instead: the age of the newest
    offsite copy, the last check, and the alert when the copy is older than offsite.maxAgeDays.
    Reads the repository only; changes nothing.

    .PARAMETER Id
    Snapshot ID or wildcard pattern, e.g. '2026-11-2*'.

    .PARAMETER Status
    Return the offsite status (newest copy, last check, alert) instead of the copies.

    .PARAMETER ConfigPath
    The avimark-backup configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run (default as for Invoke-AvimarkBackup).

    .EXAMPLE
    Get-AvimarkOffsiteSnapshot | Select-Object -Last 1
    The newest offsite copy.

    .EXAMPLE
    (Get-AvimarkOffsiteSnapshot -Status).alert
    Empty when the newest offsite copy is recent enough.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)][string]$Id,
        [switch]$Status,
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    $arguments = @('offsite', 'list') + (New-AvimarkArgumentList -CommandName $MyInvocation.MyCommand.Name -Values @{})
    $result = (Invoke-AvimarkCommand -Cmdlet $PSCmdlet -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath).Output
    if ($Status) {
        Write-AvimarkResult -InputObject $result.status -TypeName 'AvimarkBackup.OffsiteStatus'
        return
    }
    foreach ($copy in @($result.snapshots)) {
        if ($null -eq $copy) { continue }
        if (-not $Id -or [string]$copy.snapshotId -like $Id) {
            Write-AvimarkResult -InputObject $copy -TypeName 'AvimarkBackup.OffsiteSnapshot'
        }
    }
}
