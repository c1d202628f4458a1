function Invoke-AvimarkBackup {
    <#
    .SYNOPSIS
    Runs the nightly backup now (avimark-backup backup) and returns its summary.

    .DESCRIPTION
    Calls avimark-backup.exe backup --json with the configuration file and returns the run summary as
    an object (snapshotId, filesTotal, filesCopied, filesLinked, bytesCopied, durationSeconds,
    offlineSeconds, warnings, ...). AVImark is taken offline as configured unless -NoLockout is given.
    With -WhatIf the executable runs with --dry-run and the plan it prints is returned; nothing changes.
    A failed run (non-zero exit code) becomes a terminating error carrying the executable's message;
    the exit code is in $_.Exception.Data['ExitCode'].

    .PARAMETER ConfigPath
    The avimark-backup configuration file. Default: $env:AVIMARK_BACKUP_CONFIG, else
    %ProgramData%\avimark-backup\config.json.

    .PARAMETER Mode
    Overrides the configured mode for this run (avimark-backup backup --mode): auto, vss, presync or
    offline. Cannot be combined with -NoLockout.

    .PARAMETER NoLockout
    Backs up without taking AVImark offline (for tests or a copy of a folder nobody uses).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run. Default: $env:AVIMARK_BACKUP_EXE, else
    %ProgramFiles%\avimark-backup\avimark-backup.exe, else avimark-backup on PATH.

    .EXAMPLE
    Invoke-AvimarkBackup
    Runs the backup with the default configuration and returns the summary.

    .EXAMPLE
    Invoke-AvimarkBackup -Mode offline -Verbose
    Backs up with AVImark offline for the whole copy this once, showing the command line it runs.

    .EXAMPLE
    Invoke-AvimarkBackup -ConfigPath D:\avimark-backup\config.json -WhatIf
    Shows which users, share, services and files the run would touch, without changing anything.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param(
        [string]$ConfigPath,
        [ValidateSet('auto', 'vss', 'presync', 'offline')][string]$Mode,
        [switch]$NoLockout,
        [string]$ExecutablePath
    )
    $values = @{ Mode = $Mode; NoLockout = $NoLockout }
    $arguments = @('backup') + (New-AvimarkArgumentList -CommandName $MyInvocation.MyCommand.Name -Values $values)
    $action = if ($NoLockout) { 'Back up without taking AVImark offline (--no-lockout: AVImark keeps running)' }
    elseif ($Mode) { "Back up, taking AVImark offline in mode '$Mode' (overrides the configured mode)" }
    else { 'Back up, taking AVImark offline as configured' }
    if ($PSCmdlet.ShouldProcess('AVImark data', $action)) {
        $run = Invoke-AvimarkCommand -Cmdlet $PSCmdlet -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
        Write-AvimarkResult -InputObject $run.Output -TypeName 'AvimarkBackup.RunSummary'
    }
    elseif ($WhatIfPreference) {
        $run = Invoke-AvimarkCommand -Cmdlet $PSCmdlet -Arguments ($arguments + '--dry-run') -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
        Write-AvimarkResult -InputObject $run.Output -TypeName 'AvimarkBackup.BackupPlan'
    }
}
