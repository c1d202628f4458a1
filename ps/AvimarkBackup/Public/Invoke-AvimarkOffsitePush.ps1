function Invoke-AvimarkOffsitePush {
    <#
    .SYNOPSIS
    Copies a committed snapshot to the offsite restic repository (avimark-backup offsite push).

    .DESCRIPTION
    Backs up one committed snapshot folder (default: the newest) to the repository in the "offsite"
    section of the configuration, tagged with the snapshot ID, the computer and the source, then applies
    offsite.retention. A snapshot already offsite is not uploaded again; a push that was stopped resumes.
    The repository password and backend keys stay in their files: restic gets them through its
    environment, never on a command line. Returns snapshotId, resticSnapshotId, bytesAdded (before
    compression), bytesStored (after it; restic 0.17+, else null) and durationSeconds. -WhatIf says
    what would be pushed and runs nothing.

    .PARAMETER Id
    The snapshot to push (an id from Get-AvimarkSnapshot, or 'latest'); accepts pipeline input.

    .PARAMETER ConfigPath
    The avimark-backup configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run (default as for Invoke-AvimarkBackup).

    .EXAMPLE
    Invoke-AvimarkOffsitePush
    Pushes the newest snapshot offsite.

    .EXAMPLE
    Get-AvimarkSnapshot -Id '2026-11-2*' | Invoke-AvimarkOffsitePush -WhatIf
    Shows which snapshots would be pushed, without pushing.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Low')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('SnapshotId')][string]$Id = 'latest',
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    process {
        if (-not $PSCmdlet.ShouldProcess("snapshot $Id", 'Copy to the offsite restic repository')) { return }
        $arguments = @('offsite', 'push') + (New-AvimarkArgumentList -CommandName $MyInvocation.MyCommand.Name -Values @{ Id = $Id })
        # Pipeline input: a failed push is one non-terminating error naming it; the next snapshot still runs.
        $run = Invoke-AvimarkCommand -Cmdlet $PSCmdlet -NonTerminating -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
        if (-not $run.Record) { Write-AvimarkResult -InputObject $run.Output -TypeName 'AvimarkBackup.OffsitePush' }
    }
}
