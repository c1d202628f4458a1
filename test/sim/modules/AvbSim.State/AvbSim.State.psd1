@{
    RootModule        = 'AvbSim.State.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '3d0c6f0e-5f4e-4a43-9f55-0c1a2f3b7a01'
    Author            = 'avimark-backup tests'
    Description       = 'Simulated Windows server: the shared JSON state file ($env:AVIMARK_SIM_STATE), locked and atomically replaced.'
    PowerShellVersion = '7.0'
    FunctionsToExport = @('Read-AvbSimState', 'Update-AvbSimState', 'Add-AvbSimCall', 'Invoke-AvbSimHang', 'New-AvbSimNotFound', 'Assert-AvbSimConfirmed', 'Get-AvbSimStatePath', 'Get-AvbSimKnob')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
