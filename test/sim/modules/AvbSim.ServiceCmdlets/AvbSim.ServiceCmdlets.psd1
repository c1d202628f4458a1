@{
    RootModule        = 'AvbSim.ServiceCmdlets.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '3d0c6f0e-5f4e-4a43-9f55-0c1a2f3b7a03'
    Author            = 'avimark-backup tests'
    Description       = 'Simulated *-Service cmdlets of Microsoft.PowerShell.Management (PowerShell 7 signatures), absent from pwsh on Linux.'
    PowerShellVersion = '7.0'
    RequiredModules   = @('AvbSim.State')
    FunctionsToExport = @('Get-Service', 'Stop-Service', 'Start-Service', 'Set-Service')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
