function Unlock-Avimark {
    <#
    .SYNOPSIS
    Gives AVImark back after an interrupted run (avimark-backup recover).

    .DESCRIPTION
    Reads the lockout journal a killed or crashed run left behind and undoes every step it recorded:
    restores the share (with its exact SDDL), service start types and states, and renamed executables.
    Does nothing when no run left a journal. Returns what was undone. If something cannot be given
    back, avimark-backup exits with code 4 and this becomes an error naming what is still locked.

    .PARAMETER ConfigPath
    The avimark-backup configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run (default as for Invoke-AvimarkBackup).

    .EXAMPLE
    Unlock-Avimark
    Undoes whatever an interrupted backup left locked.

    .EXAMPLE
    Unlock-Avimark -ErrorAction Stop; Get-AvimarkBackupStatus
    Recovers, stops on failure, then shows the status.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param(
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    if (-not $PSCmdlet.ShouldProcess('AVImark', 'Undo the lockout left by an interrupted run')) { return }
    $result = (Invoke-AvimarkCommand -Cmdlet $PSCmdlet -Arguments @('recover') -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath).Output
    Write-AvimarkResult -InputObject $result -TypeName 'AvimarkBackup.RecoverResult'
}
