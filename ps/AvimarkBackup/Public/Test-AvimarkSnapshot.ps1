function Test-AvimarkSnapshot {
    <#
    .SYNOPSIS
    Verifies snapshots against their manifests (avimark-backup verify).

    .DESCRIPTION
    Re-reads snapshot files and compares their SHA-256 with the manifest. Writes one
    AvimarkBackup.VerifyResult per snapshot checked (snapshotId, ok, filesChecked, damaged, missing,
    extra, problems), so -All gives one object per snapshot in the store.
    Each damaged snapshot also gives one non-terminating error whose message names the snapshot, how
    many files differ and the first of their names, e.g.
      avimark-backup verify: snapshot 2026-11-25_010000 is damaged: 2 of 5 checked files differ from
      its manifest (damaged: CLIENT.V2$, ANIMAL.V2$)
    (error id AvimarkBackup.Exit3, category InvalidData, the snapshot's result as TargetObject).
    Errors are per snapshot and per pipeline item, so -ErrorAction and -ErrorVariable work as usual:
    -ErrorAction Stop stops at the first damaged snapshot, -ErrorAction SilentlyContinue only returns
    the results. -Verbose shows the executable and its arguments.

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
    Verifies every snapshot in the store: one result per snapshot, one error per damaged one.

    .EXAMPLE
    Test-AvimarkSnapshot -Id 2026-11-25_010000 -ErrorVariable damage -ErrorAction SilentlyContinue
    Verifies the snapshot of 25 November at 01:00; $damage holds one error if it is damaged.

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
        $values = @{ Id = $Id; All = $All }
        if ($PSBoundParameters.ContainsKey('SamplePercent')) { $values['SamplePercent'] = $SamplePercent }
        $arguments = @('verify') + (New-AvimarkArgumentList -CommandName $MyInvocation.MyCommand.Name -Values $values)
        $run = Invoke-AvimarkBackupProcess -Arguments $arguments -ConfigPath $ConfigPath -ExecutablePath $ExecutablePath
        $reports = @(Write-AvimarkResult -InputObject $run.Output -TypeName 'AvimarkBackup.VerifyResult' -CollectionProperty 'snapshots')
        $damaged = @($reports | Where-Object {
                $_.PSObject.TypeNames[0] -eq 'AvimarkBackup.VerifyResult' -and $_.PSObject.Properties['snapshotId'] -and
                $_.PSObject.Properties['ok'] -and $_.ok -eq $false })
        $reports
        if ($run.ExitCode -eq 3 -and $damaged.Count -gt 0) {
            # One error per damaged snapshot, each naming it (not one for the whole run).
            foreach ($report in $damaged) {
                $message = "avimark-backup verify: $(Get-AvimarkSnapshotDamageMessage -Report $report)"
                $PSCmdlet.WriteError((New-AvimarkErrorRecord -Message $message -ExitCode 3 -Target $report))
            }
        }
        elseif ($run.Record) { $PSCmdlet.WriteError($run.Record) }
    }
}
