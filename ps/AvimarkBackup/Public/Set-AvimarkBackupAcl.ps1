function Set-AvimarkBackupAcl {
    <#
    .SYNOPSIS
    Restricts the state folder and the configuration file to SYSTEM and Administrators.

    .DESCRIPTION
    The state folder holds the lockout journal, and `recover` (run as SYSTEM) restores what the journal
    says: share permissions, service start types, file names. The configuration decides which services
    SYSTEM stops, which processes it kills and which drill command it runs. Whoever can write either can
    make SYSTEM act for them, and %ProgramData% lets ordinary users create files by default.

    This function replaces the access list of each item with exactly two entries and no inherited ones:
      SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544), full control
    (folders: inherited by everything inside). As SDDL: D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA) for a
    folder, D:PAI(A;;FA;;;SY)(A;;FA;;;BA) for a file. The owner is left as it is. Each item is read back
    afterwards and the function fails if its access list is not exactly that.

    Items: the configuration file, the state folder (the "stateDir" avimark-backup reports for that
    configuration, unless -StateDirectory is given), with -IncludeDestination the backup store, and any
    -Path (the SMTP password file, a CA file). Run it once, elevated, after installing or moving any of them.

    .PARAMETER ConfigPath
    The configuration file (default as for Invoke-AvimarkBackup).

    .PARAMETER ExecutablePath
    avimark-backup.exe used to read the state folder and destination of the configuration.

    .PARAMETER StateDirectory
    The state folder, when it should not be asked from avimark-backup.

    .PARAMETER IncludeDestination
    Also restricts the backup store (the configuration's destination): ordinary users can then neither
    read nor delete snapshots. Leave it out for a store on a NAS whose permissions the NAS manages.

    .PARAMETER Path
    More files or folders to restrict the same way (the SMTP password file, a CA certificate file).

    .EXAMPLE
    Set-AvimarkBackupAcl -WhatIf
    Shows which items would be restricted.

    .EXAMPLE
    Set-AvimarkBackupAcl -Path C:\ProgramData\avimark-backup\smtp-password.txt -IncludeDestination
    Also the SMTP password file and the store.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [string]$ConfigPath,
        [string]$ExecutablePath,
        [string]$StateDirectory,
        [switch]$IncludeDestination,
        [string[]]$Path = @()
    )
    $folderSddl = 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'
    $fileSddl = 'D:PAI(A;;FA;;;SY)(A;;FA;;;BA)'
    $items = New-Object System.Collections.Generic.List[string]
    try {
        $config = Resolve-AvimarkBackupConfig -ConfigPath $ConfigPath
        if (-not $config) { throw 'No configuration file: pass -ConfigPath or create %ProgramData%\avimark-backup\config.json.' }
        if (-not (Test-Path -LiteralPath $config -PathType Leaf)) { throw "Configuration file '$config' does not exist." }
        $config = (Resolve-Path -LiteralPath $config).ProviderPath
        $items.Add($config)
        $destination = $null
        if (-not $StateDirectory -or $IncludeDestination) {
            $status = Invoke-AvimarkBackupExe -Arguments @('status') -ExecutablePath $ExecutablePath -ConfigPath $config
            if (-not $StateDirectory) { $StateDirectory = [string]$status.stateDir }
            $destination = [string]$status.destination
        }
        foreach ($candidate in @(@($StateDirectory) + @($(if ($IncludeDestination) { $destination })) + $Path)) {
            if (-not $candidate) { continue }
            if (-not (Test-Path -LiteralPath $candidate)) { throw "'$candidate' does not exist: create it first (avimark-backup creates the state folder and the store on its first run)." }
            $items.Add((Resolve-Path -LiteralPath $candidate).ProviderPath)
        }
    }
    catch { $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord $_.Exception, 'AvimarkBackup.Acl', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $null)) }

    foreach ($item in $items) {
        $isFolder = Test-Path -LiteralPath $item -PathType Container
        $sddl = if ($isFolder) { $folderSddl } else { $fileSddl }
        if (-not $PSCmdlet.ShouldProcess($item, 'Allow only SYSTEM and Administrators')) { continue }
        try {
            $acl = Get-Acl -LiteralPath $item -ErrorAction Stop
            $acl.SetSecurityDescriptorSddlForm($sddl, 'Access')
            Set-Acl -LiteralPath $item -AclObject $acl -ErrorAction Stop
            $now = (Get-Acl -LiteralPath $item -ErrorAction Stop).GetSecurityDescriptorSddlForm('Access')
            # Windows may drop the auto-inherited flag (AI) when it stores a protected list: not a difference.
            if (($now -replace '^D:PAI', 'D:P') -ne ($sddl -replace '^D:PAI', 'D:P')) { throw "the access list of '$item' reads back as $now instead of $sddl" }
        }
        catch { $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord $_.Exception, 'AvimarkBackup.Acl', ([System.Management.Automation.ErrorCategory]::PermissionDenied), $item)) }
        [pscustomobject]@{ PSTypeName = 'AvimarkBackup.AclResult'; Path = $item; Sddl = $sddl }
    }
}
