function Invoke-AvimarkBackupExe {
    <#
    .SYNOPSIS
    Runs avimark-backup with an argument array plus --json and returns its parsed JSON output.

    .DESCRIPTION
    Arguments are passed as an array through the call operator, never as a built command line.
    A non-zero exit code becomes a terminating error whose message is the executable's own message
    (the "error.message" and "error.hint" of its JSON, else its standard error). The exit code is in
    the exception's Data['ExitCode'] and the error id is AvimarkBackup.Exit<code>; the parsed output,
    if any, is the error's TargetObject.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string[]]$Arguments,
        [string]$ExecutablePath,
        [string]$ConfigPath
    )

    foreach ($argument in $Arguments) {
        if ([string]::IsNullOrEmpty($argument)) { throw 'Internal error: empty argument for avimark-backup.' }
    }
    $exe = Resolve-AvimarkBackupExe -ExecutablePath $ExecutablePath
    $argv = New-Object System.Collections.Generic.List[string]
    foreach ($a in $exe.PrefixArguments) { $argv.Add([string]$a) }
    foreach ($a in $Arguments) { $argv.Add($a) }
    $config = Resolve-AvimarkBackupConfig -ConfigPath $ConfigPath
    if ($config) { $argv.Add('--config'); $argv.Add($config) }
    $argv.Add('--json')

    $stdout = New-Object System.Collections.Generic.List[string]
    $stderr = New-Object System.Collections.Generic.List[string]
    $previousEncoding = $null
    try { $previousEncoding = [Console]::OutputEncoding; [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { $previousEncoding = $null }
    $savedPreference = $ErrorActionPreference
    try {
        # Windows PowerShell 5.1 turns native stderr into error records; keep them as data.
        $ErrorActionPreference = 'Continue'
        $argArray = $argv.ToArray()
        & $exe.Execute @argArray 2>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.ErrorRecord]) { $stderr.Add($_.ToString()) }
            else { $stdout.Add([string]$_) }
        }
        $exitCode = $LASTEXITCODE
    }
    finally {
        $ErrorActionPreference = $savedPreference
        if ($null -ne $previousEncoding) { try { [Console]::OutputEncoding = $previousEncoding } catch { } }
    }

    $text = ($stdout -join "`n").Trim()
    $parsed = $null
    if ($text) {
        try { $parsed = ConvertFrom-Json -InputObject $text }
        catch {
            if ($exitCode -eq 0) { throw "avimark-backup printed output that is not JSON: $text" }
        }
    }

    if ($exitCode -ne 0) {
        $message = $null
        $errorProperty = if ($null -ne $parsed -and $parsed -isnot [array]) { $parsed.PSObject.Properties['error'] } else { $null }
        if ($errorProperty -and $errorProperty.Value -and $errorProperty.Value.PSObject.Properties['message']) {
            $message = [string]$errorProperty.Value.message
            $hintProperty = $errorProperty.Value.PSObject.Properties['hint']
            if ($hintProperty -and $hintProperty.Value) { $message = "$message (hint: $($hintProperty.Value))" }
        }
        if (-not $message) {
            $message = (($stderr | ForEach-Object { $_ -replace '^avimark-backup:\s*', '' }) -join ' ').Trim()
        }
        if (-not $message) { $message = "exited with code $exitCode" }
        $exception = New-Object System.Exception "avimark-backup $($Arguments[0]): $message"
        $exception.Data['ExitCode'] = $exitCode
        $category = switch ($exitCode) {
            2 { [System.Management.Automation.ErrorCategory]::InvalidArgument }
            3 { [System.Management.Automation.ErrorCategory]::InvalidData }
            4 { [System.Management.Automation.ErrorCategory]::ResourceUnavailable }
            default { [System.Management.Automation.ErrorCategory]::NotSpecified }
        }
        $record = New-Object System.Management.Automation.ErrorRecord $exception, "AvimarkBackup.Exit$exitCode", $category, $parsed
        throw $record
    }
    return , $parsed
}
