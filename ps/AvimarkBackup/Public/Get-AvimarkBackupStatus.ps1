function Get-AvimarkBackupStatus {
    <#
    .SYNOPSIS
    Shows the state of avimark-backup (avimark-backup status).

    .DESCRIPTION
    Returns one object: the last runs and their outcome, whether a lockout journal is pending (AVImark
    still locked out), the newest snapshot and its verification state, as avimark-backup status --json
    reports them.

    .PARAMETER ConfigPath
    The avimark-backup configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run (default as for Invoke-AvimarkBackup).

    .EXAMPLE
    Get-AvimarkBackupStatus
    The current status.

    .EXAMPLE
    Get-AvimarkBackupStatus -ConfigPath D:\avimark-backup\config.json | ConvertTo-Json -Depth 5
    The status of a second installation, as JSON.
    #>
    [CmdletBinding()]
    param(
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    $result = (Invoke-AvimarkCommand -Cmdlet $PSCmdlet -Arguments @('status') -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath).Output
    Write-AvimarkResult -InputObject $result -TypeName 'AvimarkBackup.Status'
}
