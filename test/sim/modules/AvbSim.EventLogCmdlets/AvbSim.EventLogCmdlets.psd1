@{
    RootModule        = 'AvbSim.EventLogCmdlets.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '3d0c6f0e-5f4e-4a43-9f55-0c1a2f3b7a05'
    Author            = 'avimark-backup tests'
    Description       = 'Simulated Windows PowerShell 5.1 New-EventLog / Write-EventLog (reference §6.1).'
    PowerShellVersion = '7.0'
    RequiredModules   = @('AvbSim.State')
    FunctionsToExport = @('New-EventLog', 'Write-EventLog')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
