# Names of the scheduled tasks this module owns (all under one task folder, default \avimark-backup\).
$script:AvimarkTaskNames = [ordered]@{
    Nightly = 'Nightly backup'
    Recover = 'Give AVImark back at startup'
    Drill   = 'Weekly restore drill'
}

function Get-AvimarkTaskAction {
    <#
    .SYNOPSIS
    The New-ScheduledTaskAction for one avimark-backup command. Task Scheduler takes the arguments as
    one string, so each is quoted with the CommandLineToArgvW rules.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][pscustomobject]$Executable,
        [Parameter(Mandatory = $true)][string[]]$Arguments
    )
    $all = @($Executable.PrefixArguments) + $Arguments
    $argumentLine = Join-CommandLine -Arguments $all
    New-ScheduledTaskAction -Execute $Executable.Execute -Argument $argumentLine -WorkingDirectory (Split-Path -Parent $Executable.Path)
}

function Get-AvimarkTaskSettings {
    <# Settings shared by our tasks: no battery conditions, never two at once, a bounded run time; -RestartCount: run again after a failure, every -RestartInterval. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][TimeSpan]$ExecutionTimeLimit,
        [switch]$StartWhenAvailable,
        [int]$RestartCount = 0,
        [TimeSpan]$RestartInterval = [TimeSpan]::FromMinutes(5)
    )
    $settings = @{
        ExecutionTimeLimit         = $ExecutionTimeLimit
        AllowStartIfOnBatteries    = $true
        DontStopIfGoingOnBatteries = $true
        MultipleInstances          = 'IgnoreNew'
    }
    if ($StartWhenAvailable) { $settings['StartWhenAvailable'] = $true }
    if ($RestartCount -gt 0) {
        $settings['RestartCount'] = $RestartCount
        $settings['RestartInterval'] = $RestartInterval
    }
    New-ScheduledTaskSettingsSet @settings
}
