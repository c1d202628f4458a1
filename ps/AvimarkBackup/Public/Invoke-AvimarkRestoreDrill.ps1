function Invoke-AvimarkRestoreDrill {
    <#
    .SYNOPSIS
    Proves a snapshot can be restored (avimark-backup drill).

    .DESCRIPTION
    Restores a snapshot into a scratch folder, checks it against its manifest and the files AVImark
    needs to start (and runs the configured drill command), records the result and removes the scratch
    copy. Returns the drill record (AvimarkBackup.DrillResult). A failed drill gives one
    non-terminating error per snapshot (per pipeline item) naming the snapshot and its first problems;
    the drill record is its TargetObject. -WhatIf says which snapshot would be drilled and runs
    nothing (the drill has no dry run). -Verbose shows the executable and its arguments.

    .PARAMETER Id
    The snapshot to drill. Default: the newest.

    .PARAMETER ConfigPath
    The avimark-backup configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run (default as for Invoke-AvimarkBackup).

    .EXAMPLE
    Invoke-AvimarkRestoreDrill
    Drills the newest snapshot.

    .EXAMPLE
    Invoke-AvimarkRestoreDrill -Id 2026-11-25_010000 -WhatIf
    Says what drilling the snapshot of 25 November at 01:00 would do, without doing it.

    .EXAMPLE
    Get-AvimarkSnapshot | Select-Object -First 1 | Invoke-AvimarkRestoreDrill
    Drills the oldest snapshot still kept.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Low')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][Alias('SnapshotId')][string]$Id,
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    process {
        $arguments = @('drill') + (New-AvimarkArgumentList -CommandName $MyInvocation.MyCommand.Name -Values @{ Id = $Id })
        $snapshot = if ($Id) { "snapshot $Id" } else { 'the newest snapshot' }
        if (-not $PSCmdlet.ShouldProcess($snapshot, 'Restore into a scratch folder in the store, check it, record the drill result and remove the scratch copy')) { return }
        $run = Invoke-AvimarkCommand -Cmdlet $PSCmdlet -NonTerminating -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
        if (-not $run.Record) { Write-AvimarkResult -InputObject $run.Output -TypeName 'AvimarkBackup.DrillResult' }
    }
}
