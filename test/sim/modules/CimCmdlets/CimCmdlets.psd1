@{
    RootModule        = 'CimCmdlets.psm1'
    ModuleVersion     = '7.0.0'
    GUID              = '3d0c6f0e-5f4e-4a43-9f55-0c1a2f3b7a04'
    Author            = 'avimark-backup tests'
    Description       = 'Simulated CimCmdlets (absent from pwsh on Linux) for the classes avimark-backup uses: Win32_ShadowCopy, Win32_Volume, Win32_Service.'
    PowerShellVersion = '7.0'
    RequiredModules   = @('AvbSim.State')
    FunctionsToExport = @('Get-CimInstance', 'Invoke-CimMethod', 'Remove-CimInstance')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
