function Invoke-AvimarkRestoreDrill {
    <#
    .SYNOPSIS
    Proves a snapshot can be restored (avimark-backup drill).

    .DESCRIPTION
    Restores a snapshot into a scratch folder, checks it against its manifest and the files AVImark
    needs to start (and runs the configured drill command), records the result and removes the scratch
    copy. Returns the drill record. A failed drill becomes an error with the executable's message.

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
    Get-AvimarkSnapshot | Select-Object -First 1 | Invoke-AvimarkRestoreDrill
    Drills the oldest snapshot still kept.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][Alias('SnapshotId')][string]$Id,
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    process {
        $arguments = @('drill')
        if ($Id) { $arguments += $Id }
        try { $result = Invoke-AvimarkBackupExe -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath }
        catch { $PSCmdlet.ThrowTerminatingError($_) }
        Write-AvimarkResult -InputObject $result -TypeName 'AvimarkBackup.DrillResult'
    }
}
