@{
    RootModule        = 'AvbSim.AclCmdlets.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '8a4be1f2-3c7d-4d0e-9b6a-5e2f71c9d406'
    Author            = 'avimark-backup tests'
    Description       = 'Simulated Get-Acl / Set-Acl (Microsoft.PowerShell.Security; Windows only in PowerShell 7): access lists kept as SDDL in the simulator state.'
    PowerShellVersion = '7.0'
    RequiredModules   = @('AvbSim.State')
    FunctionsToExport = @('Get-Acl', 'Set-Acl')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
