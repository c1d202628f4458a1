function Resolve-AvimarkBackupConfig {
    <#
    .SYNOPSIS
    The configuration file to pass as --config: -ConfigPath, then $env:AVIMARK_BACKUP_CONFIG, then
    %ProgramData%\avimark-backup\config.json when it exists. Returns $null when there is none.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([string]$ConfigPath)

    if ($ConfigPath) { return $ConfigPath }
    if ($env:AVIMARK_BACKUP_CONFIG) { return $env:AVIMARK_BACKUP_CONFIG }
    if ($env:ProgramData) {
        $default = Join-Path $env:ProgramData 'avimark-backup\config.json'
        if (Test-Path -LiteralPath $default -PathType Leaf) { return $default }
    }
    return $null
}
