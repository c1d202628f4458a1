# How each public function's parameters reach avimark-backup: the one table the functions build their
# argument lists from (New-AvimarkArgumentList), and the one test/integration/ps-module checks against
# every command's --help. A value is one of:
#   '--option'   an option of the command(s): a switch passes the bare option, anything else option + value
#   '<id>'       the command's positional snapshot id
#   'local: …'   handled by the module itself (why is said after the colon); never reaches the executable
$script:AvimarkCommandMap = [ordered]@{
    'Invoke-AvimarkBackup'         = @{
        Commands   = @('backup')
        Parameters = [ordered]@{
            Mode           = '--mode'
            NoLockout      = '--no-lockout'
            ConfigPath     = '--config'
            WhatIf         = '--dry-run'
            ExecutablePath = 'local: which avimark-backup runs'
            Confirm        = 'local: PowerShell confirmation'
        }
    }
    'Get-AvimarkSnapshot'          = @{
        Commands   = @('list')
        Parameters = [ordered]@{
            ConfigPath     = '--config'
            Id             = 'local: filters the listed snapshots by wildcard'
            ExecutablePath = 'local: which avimark-backup runs'
        }
    }
    'Test-AvimarkSnapshot'         = @{
        Commands   = @('verify')
        Parameters = [ordered]@{
            Id             = '<id>'
            All            = '--all'
            SamplePercent  = '--sample'
            ConfigPath     = '--config'
            ExecutablePath = 'local: which avimark-backup runs'
        }
    }
    'Restore-AvimarkSnapshot'      = @{
        Commands   = @('restore')
        Parameters = [ordered]@{
            Id             = '<id>'
            Destination    = '--to'
            ToLive         = '--to-live'
            ConfigPath     = '--config'
            WhatIf         = '--dry-run'
            ExecutablePath = 'local: which avimark-backup runs'
            Confirm        = 'local: PowerShell confirmation'
        }
    }
    'Unlock-Avimark'               = @{
        Commands   = @('recover')
        Parameters = [ordered]@{
            ConfigPath     = '--config'
            ExecutablePath = 'local: which avimark-backup runs'
            WhatIf         = 'local: recover has no dry run; nothing runs'
            Confirm        = 'local: PowerShell confirmation'
        }
    }
    'Get-AvimarkBackupStatus'      = @{
        Commands   = @('status')
        Parameters = [ordered]@{
            ConfigPath     = '--config'
            ExecutablePath = 'local: which avimark-backup runs'
        }
    }
    'Invoke-AvimarkRestoreDrill'   = @{
        Commands   = @('drill')
        Parameters = [ordered]@{
            Id             = '<id>'
            ConfigPath     = '--config'
            ExecutablePath = 'local: which avimark-backup runs'
            WhatIf         = 'local: drill has no dry run; nothing runs'
            Confirm        = 'local: PowerShell confirmation'
        }
    }
    'Set-AvimarkBackupAcl'         = @{
        Commands   = @('status')
        Parameters = [ordered]@{
            ConfigPath         = '--config'
            ExecutablePath     = 'local: which avimark-backup runs'
            StateDirectory     = 'local: used instead of the stateDir status reports'
            IncludeDestination = 'local: also restricts the destination status reports'
            Path               = 'local: more items to restrict'
            WhatIf             = 'local: PowerShell -WhatIf (no ACL changes)'
            Confirm            = 'local: PowerShell confirmation'
        }
    }
    'Register-AvimarkBackupTask'   = @{
        Commands   = @('backup', 'recover', 'drill')
        Parameters = [ordered]@{
            ConfigPath         = '--config'
            ExecutablePath     = 'local: the program the tasks start'
            At                 = 'local: Task Scheduler trigger'
            TaskPath           = 'local: Task Scheduler folder'
            ExecutionTimeLimit = 'local: Task Scheduler setting'
            WeeklyDrill        = 'local: registers the drill task'
            DrillDay           = 'local: Task Scheduler trigger'
            DrillAt            = 'local: Task Scheduler trigger'
            NoStartupRecover   = 'local: leaves out the recover task'
            WhatIf             = 'local: PowerShell -WhatIf (no task changes)'
            Confirm            = 'local: PowerShell confirmation'
        }
    }
    'Invoke-AvimarkOffsitePush'      = @{
        Commands   = @('offsite push')
        Parameters = [ordered]@{
            Id             = '<id>'
            ConfigPath     = '--config'
            ExecutablePath = 'local: which avimark-backup runs'
            WhatIf         = 'local: offsite push has no dry run; nothing runs'
            Confirm        = 'local: PowerShell confirmation'
        }
    }
    'Get-AvimarkOffsiteSnapshot'     = @{
        Commands   = @('offsite list')
        Parameters = [ordered]@{
            ConfigPath     = '--config'
            Id             = 'local: filters the listed copies by wildcard'
            Status         = 'local: returns the status part of offsite list instead of the copies'
            ExecutablePath = 'local: which avimark-backup runs'
        }
    }
    'Restore-AvimarkOffsiteSnapshot' = @{
        Commands   = @('offsite restore')
        Parameters = [ordered]@{
            Id             = '<id>'
            Destination    = '--to'
            ConfigPath     = '--config'
            ExecutablePath = 'local: which avimark-backup runs'
            WhatIf         = 'local: offsite restore has no dry run; nothing runs'
            Confirm        = 'local: PowerShell confirmation'
        }
    }
    'Unregister-AvimarkBackupTask' = @{
        Commands   = @()
        Parameters = [ordered]@{
            TaskPath = 'local: Task Scheduler folder'
            WhatIf   = 'local: PowerShell -WhatIf (no task changes)'
            Confirm  = 'local: PowerShell confirmation'
        }
    }
}

function New-AvimarkArgumentList {
    <#
    .SYNOPSIS
    The avimark-backup arguments (after the command word) for a function's parameter values, from
    $script:AvimarkCommandMap: the positional id first, then the options in the table's order.
    Parameters marked 'local' and values that are $null, empty or a switch that is off add nothing.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [Parameter(Mandatory = $true)][string]$CommandName,
        [Parameter(Mandatory = $true)][System.Collections.IDictionary]$Values
    )
    $entry = $script:AvimarkCommandMap[$CommandName]
    if ($null -eq $entry) { return , [string[]]@() }
    $positional = New-Object System.Collections.Generic.List[string]
    $options = New-Object System.Collections.Generic.List[string]
    foreach ($name in $entry.Parameters.Keys) {
        $spec = [string]$entry.Parameters[$name]
        if ($spec.StartsWith('local:') -or -not $Values.Contains($name)) { continue }
        $value = $Values[$name]
        if ($null -eq $value -or ($value -is [string] -and $value -eq '')) { continue }
        if ($spec -eq '<id>') { $positional.Add([string]$value); continue }
        if ($value -is [System.Management.Automation.SwitchParameter] -or $value -is [bool]) {
            if ([bool]$value) { $options.Add($spec) }
            continue
        }
        $options.Add($spec)
        if ($value -is [double] -or $value -is [single] -or $value -is [decimal]) {
            $options.Add($value.ToString([System.Globalization.CultureInfo]::InvariantCulture))
        }
        else { $options.Add([string]$value) }
    }
    return , ([string[]]@($positional) + [string[]]@($options))
}
