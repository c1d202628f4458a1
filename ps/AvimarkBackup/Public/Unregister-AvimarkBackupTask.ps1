function Unregister-AvimarkBackupTask {
    <#
    .SYNOPSIS
    Removes the scheduled tasks Register-AvimarkBackupTask created.

    .DESCRIPTION
    Unregisters the nightly backup, startup recover and weekly drill tasks from -TaskPath. Tasks that
    are not there are skipped. Other tasks in the folder are left alone. Returns the names removed.

    .PARAMETER TaskPath
    Task Scheduler folder (default \avimark-backup\).

    .EXAMPLE
    Unregister-AvimarkBackupTask
    Removes the module's tasks.

    .EXAMPLE
    Unregister-AvimarkBackupTask -WhatIf
    Shows which tasks would be removed.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param([ValidatePattern('^\\(.*\\)?$')][string]$TaskPath = '\avimark-backup\')

    foreach ($name in @($script:AvimarkTaskNames.Values)) {
        $existing = Get-ScheduledTask -TaskName $name -TaskPath $TaskPath -ErrorAction SilentlyContinue
        if (-not $existing) { continue }
        if ($PSCmdlet.ShouldProcess("$TaskPath$name", 'Unregister scheduled task')) {
            try { Unregister-ScheduledTask -TaskName $name -TaskPath $TaskPath -Confirm:$false -ErrorAction Stop }
            catch { $PSCmdlet.ThrowTerminatingError($_) }
            [pscustomobject]@{ PSTypeName = 'AvimarkBackup.TaskRemoval'; TaskPath = $TaskPath; TaskName = $name; Removed = $true }
        }
    }
}
