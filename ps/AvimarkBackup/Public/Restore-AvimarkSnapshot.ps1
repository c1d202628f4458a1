function Restore-AvimarkSnapshot {
    <#
    .SYNOPSIS
    Restores a snapshot into a folder, or over the live AVImark folder (avimark-backup restore).

    .DESCRIPTION
    With -Destination: writes an independent, writable copy of the snapshot into that (empty) folder,
    checked against the manifest. With -ToLive: takes AVImark offline, moves the live folder aside as a
    rollback copy (never deleted), puts the snapshot in its place and gives AVImark back.
    With -ToLive, -WhatIf runs avimark-backup restore --to-live --dry-run and returns the plan; with
    -Destination, -WhatIf only says what would happen. Nothing changes either way. -ToLive asks for
    confirmation unless -Confirm:$false is given.

    .PARAMETER Id
    The snapshot to restore; accepts pipeline input from Get-AvimarkSnapshot.

    .PARAMETER Destination
    An empty folder to restore into.

    .PARAMETER ToLive
    Restore over the live AVImark folder.

    .PARAMETER ConfigPath
    The avimark-backup configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run (default as for Invoke-AvimarkBackup).

    .EXAMPLE
    Restore-AvimarkSnapshot -Id 2026-11-25T0100 -Destination E:\Restore\Nov25
    Restores the snapshot of 25 November into E:\Restore\Nov25.

    .EXAMPLE
    Get-AvimarkSnapshot | Select-Object -Last 1 | Restore-AvimarkSnapshot -ToLive -WhatIf
    Shows what restoring the newest snapshot over live AVImark would do.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'Folder')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('SnapshotId')][string]$Id,
        [Parameter(Mandatory = $true, ParameterSetName = 'Folder', Position = 1)][string]$Destination,
        [Parameter(Mandatory = $true, ParameterSetName = 'Live')][switch]$ToLive,
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    process {
        $arguments = @('restore', $Id)
        if ($ToLive) {
            $arguments += '--to-live'
            $target = 'the live AVImark folder'
        }
        else {
            $full = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Destination)
            $arguments += @('--to', $full)
            $target = $full
        }
        try {
            if ($PSCmdlet.ShouldProcess($target, "Restore snapshot $Id")) {
                $result = Invoke-AvimarkBackupExe -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
            }
            elseif ($WhatIfPreference -and $ToLive) {
                $result = Invoke-AvimarkBackupExe -Arguments ($arguments + '--dry-run') -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
            }
            else { return }
        }
        catch { $PSCmdlet.ThrowTerminatingError($_) }
        Write-AvimarkResult -InputObject $result -TypeName 'AvimarkBackup.RestoreResult'
    }
}
