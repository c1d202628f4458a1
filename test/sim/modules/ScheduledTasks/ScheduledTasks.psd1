@{
    RootModule        = 'ScheduledTasks.psm1'
    ModuleVersion     = '1.0.0.0'
    GUID              = '0b6b5a8e-2f0e-4f43-9a3e-4c1f3b6a7d21'
    Author            = 'avimark-backup test simulator'
    Description       = 'Simulated ScheduledTasks module: the documented parameters of the real cmdlets, tasks stored in the simulator state file.'
    PowerShellVersion = '7.0'
    RequiredModules   = @('AvbSim.State')
    FunctionsToExport = @(
        'New-ScheduledTaskAction', 'New-ScheduledTaskTrigger', 'New-ScheduledTaskPrincipal', 'New-ScheduledTaskSettingsSet',
        'Register-ScheduledTask', 'Unregister-ScheduledTask', 'Get-ScheduledTask'
    )
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
