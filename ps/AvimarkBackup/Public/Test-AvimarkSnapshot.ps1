function Test-AvimarkSnapshot {
    <#
    .SYNOPSIS
    Verifies snapshots against their manifests (avimark-backup verify).

    .DESCRIPTION
    Re-reads snapshot files and compares their SHA-256 with the manifest. Returns the verification
    report as an object. Missing, extra or damaged files make avimark-backup exit with code 3; that
    becomes an error whose message names the damage (the report is the error's TargetObject).

    .PARAMETER Id
    The snapshot to verify; accepts pipeline input from Get-AvimarkSnapshot. Default: the newest.

    .PARAMETER All
    Verifies every snapshot.

    .PARAMETER SamplePercent
    Verifies a random sample of this percentage of the files instead of all of them.

    .PARAMETER ConfigPath
    The avimark-backup configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe to run (default as for Invoke-AvimarkBackup).

    .EXAMPLE
    Test-AvimarkSnapshot -All
    Verifies every snapshot in the store.

    .EXAMPLE
    Get-AvimarkSnapshot | Select-Object -Last 1 | Test-AvimarkSnapshot -SamplePercent 10
    Re-hashes a tenth of the files of the newest snapshot.
    #>
    [CmdletBinding(DefaultParameterSetName = 'One')]
    param(
        [Parameter(ParameterSetName = 'One', Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('SnapshotId')][string]$Id,
        [Parameter(ParameterSetName = 'All', Mandatory = $true)][switch]$All,
        [ValidateRange(0.01, 100)][double]$SamplePercent,
        [string]$ConfigPath,
        [string]$ExecutablePath
    )
    process {
        $arguments = @('verify')
        if ($All) { $arguments += '--all' } elseif ($Id) { $arguments += $Id }
        if ($PSBoundParameters.ContainsKey('SamplePercent')) {
            $arguments += @('--sample', $SamplePercent.ToString([System.Globalization.CultureInfo]::InvariantCulture))
        }
        try { $result = Invoke-AvimarkBackupExe -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath }
        catch { $PSCmdlet.ThrowTerminatingError($_) }
        Write-AvimarkResult -InputObject $result -TypeName 'AvimarkBackup.VerifyResult'
    }
}
