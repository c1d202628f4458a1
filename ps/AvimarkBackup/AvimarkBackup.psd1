@{
    RootModule           = 'AvimarkBackup.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0c2d54-3a7e-4c47-9a0b-5d1f3e2b8c41'
    Author               = 'avimark-backup'
    CompanyName          = 'avimark-backup'
    Copyright            = '(c) avimark-backup contributors'
    Description          = 'Administration of avimark-backup: run and inspect backups, restore snapshots, give AVImark back, and register the nightly and startup scheduled tasks. Every function calls avimark-backup.exe with --json and returns objects.'
    PowerShellVersion    = '5.1'
    FormatsToProcess     = @('AvimarkBackup.format.ps1xml')
    CompatiblePSEditions = @('Desktop', 'Core')
    FunctionsToExport    = @(
        'Invoke-AvimarkBackup'
        'Get-AvimarkSnapshot'
        'Test-AvimarkSnapshot'
        'Restore-AvimarkSnapshot'
        'Unlock-Avimark'
        'Set-AvimarkBackupAcl'
        'Get-AvimarkBackupStatus'
        'Invoke-AvimarkRestoreDrill'
        'Register-AvimarkBackupTask'
        'Unregister-AvimarkBackupTask'
        'Invoke-AvimarkOffsitePush'
        'Get-AvimarkOffsiteSnapshot'
        'Restore-AvimarkOffsiteSnapshot'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('AVImark', 'Backup', 'Windows')
        }
    }
}
