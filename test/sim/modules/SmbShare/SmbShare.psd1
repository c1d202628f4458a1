@{
    RootModule        = 'SmbShare.psm1'
    ModuleVersion     = '2.0.0'
    GUID              = '3d0c6f0e-5f4e-4a43-9f55-0c1a2f3b7a02'
    Author            = 'avimark-backup tests'
    Description       = 'Simulated SmbShare module: the cmdlets avimark-backup calls, with the documented names, parameter sets and output properties.'
    PowerShellVersion = '7.0'
    RequiredModules   = @('AvbSim.State')
    FunctionsToExport = @('Get-SmbShare', 'New-SmbShare', 'Set-SmbShare', 'Remove-SmbShare', 'Get-SmbSession', 'Close-SmbSession', 'Get-SmbOpenFile', 'Close-SmbOpenFile')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
