function Restore-AvimarkOffsiteSnapshot {
    <#
    .SYNOPSIS
    Restores an offsite copy into an empty folder (avimark-backup offsite restore).

    .DESCRIPTION
    For the day the server is gone: restic writes the chosen offsite copy into a new or empty folder
    and reads every file back to verify it. Works on a new machine with only restic, avimark-backup,
    the configuration, the password file and the environment file (docs/offsite.md). The live AVImark
    folder and the local store are refused as targets. -WhatIf says what would be restored, runs nothing.

    .PARAMETER Id
    Our snapshot ID, 'latest', or a restic snapshot id; accepts pipeline input from Get-AvimarkOffsiteSnapshot.

    .PARAMETER Destination
    A new or empty folder to restore into.

    .PARAMETER ConfigPath
    The avimark-backup configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run (default as for Invoke-AvimarkBackup).

    .EXAMPLE
    Restore-AvimarkOffsiteSnapshot -Id latest -Destination D:\AVImark-restored
    Restores the newest offsite copy into D:\AVImark-restored.

    .EXAMPLE
    Get-AvimarkOffsiteSnapshot -Id '2026-11-25*' | Restore-AvimarkOffsiteSnapshot -Destination E:\Nov25 -WhatIf
    Shows what would be restored.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('SnapshotId')][string]$Id,
        [Parameter(Mandatory = $true, Position = 1)][string]$Destination,
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    process {
        $target = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Destination)
        if (-not $PSCmdlet.ShouldProcess($target, "Restore offsite copy $Id")) { return }
        $arguments = @('offsite', 'restore') + (New-AvimarkArgumentList -CommandName $MyInvocation.MyCommand.Name -Values @{ Id = $Id; Destination = $target })
        # Pipeline input: a failed restore is one non-terminating error naming it; the next copy still runs.
        $run = Invoke-AvimarkCommand -Cmdlet $PSCmdlet -NonTerminating -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
        if (-not $run.Record) { Write-AvimarkResult -InputObject $run.Output -TypeName 'AvimarkBackup.OffsiteRestoreResult' }
    }
}
