function Restore-AvimarkSnapshot {
    <#
    .SYNOPSIS
    Restores a snapshot into a folder, or over the live AVImark folder (avimark-backup restore).

    .DESCRIPTION
    With -Destination: writes an independent, writable copy of the snapshot into that (empty) folder,
    checked against the manifest. Nothing live is touched, so this does not ask for confirmation
    (ConfirmImpact Medium) and runs unattended in a script.
    With -ToLive: takes AVImark offline, moves the live folder aside as a rollback copy (never deleted),
    puts the snapshot in its place and gives AVImark back. This always asks for confirmation (as a
    high-impact action would) unless -Confirm:$false is given; a non-interactive session that does not
    give it gets an error and nothing runs.
    With -ToLive, -WhatIf runs avimark-backup restore --to-live --dry-run and returns the plan; with
    -Destination, -WhatIf only says what would happen. Nothing changes either way.
    A failure gives one non-terminating error per snapshot piped in (so -ErrorAction decides whether the
    next one runs) whose message names the snapshot and what did not match; -Verbose shows the
    executable and its arguments.

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
    Restore-AvimarkSnapshot -Id 2026-11-25_010000 -Destination E:\Restore\Nov25
    Restores the snapshot of 25 November, 01:00, into E:\Restore\Nov25 (no confirmation asked).

    .EXAMPLE
    Get-AvimarkSnapshot | Select-Object -Last 1 | Restore-AvimarkSnapshot -ToLive -WhatIf
    Shows what restoring the newest snapshot over live AVImark would do.

    .EXAMPLE
    Restore-AvimarkSnapshot -Id 2026-11-25_010000 -ToLive -Confirm:$false
    Puts that snapshot in place of the live AVImark folder without asking (for a scripted recovery).
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Folder')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('SnapshotId')][string]$Id,
        [Parameter(Mandatory = $true, ParameterSetName = 'Folder', Position = 1)][string]$Destination,
        [Parameter(Mandatory = $true, ParameterSetName = 'Live')][switch]$ToLive,
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    begin {
        # -Confirm given either way: ShouldProcess already honours it, so -ToLive does not ask a second time.
        $confirmGiven = $PSBoundParameters.ContainsKey('Confirm')
    }
    process {
        $values = @{ Id = $Id; ToLive = $ToLive }
        if ($ToLive) { $target = 'the live AVImark folder' }
        else {
            $target = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Destination)
            $values['Destination'] = $target
        }
        $arguments = @('restore') + (New-AvimarkArgumentList -CommandName $MyInvocation.MyCommand.Name -Values $values)
        $action = "Restore snapshot $Id"
        if ($PSCmdlet.ShouldProcess($target, $action)) {
            if ($ToLive -and -not $confirmGiven -and
                -not $PSCmdlet.ShouldContinue("Restore snapshot $Id over the live AVImark folder? AVImark is taken offline and the live folder is moved aside.", 'Restore over live AVImark')) { return }
            $run = Invoke-AvimarkCommand -Cmdlet $PSCmdlet -NonTerminating -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
        }
        elseif ($WhatIfPreference -and $ToLive) {
            $run = Invoke-AvimarkCommand -Cmdlet $PSCmdlet -NonTerminating -Arguments ($arguments + '--dry-run') -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
        }
        else { return }
        if (-not $run.Record) { Write-AvimarkResult -InputObject $run.Output -TypeName 'AvimarkBackup.RestoreResult' }
    }
}
