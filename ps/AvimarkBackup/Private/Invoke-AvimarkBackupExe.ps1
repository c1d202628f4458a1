function Invoke-AvimarkBackupProcess {
    <#
    .SYNOPSIS
    Runs avimark-backup with an argument array plus --config and --json, and returns what happened:
    ExitCode, Output (the parsed JSON, or $null), StandardError (lines) and, when it failed, Record
    (one ErrorRecord naming what failed, see New-AvimarkErrorRecord). Never throws and never writes an
    error itself, so a failure reaches the caller's -ErrorVariable exactly once, through the caller.

    .DESCRIPTION
    Arguments are passed as an array through the call operator, never as a built command line. The
    executable's standard output is read through a pipe (on Windows a real pipe; under Wine a host pipe
    is not one, see docs/windows-validation.md). -Verbose shows the program and its arguments.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string[]]$Arguments,
        [string]$ExecutablePath,
        [string]$ConfigPath
    )
    $result = [pscustomobject]@{ ExitCode = 1; Output = $null; StandardError = @(); Record = $null }
    foreach ($argument in $Arguments) {
        if ([string]::IsNullOrEmpty($argument)) {
            $result.Record = New-AvimarkErrorRecord -Message 'Internal error: empty argument for avimark-backup.' -ErrorId 'AvimarkBackup.EmptyArgument' -Category InvalidArgument
            return $result
        }
    }
    $exe = Find-AvimarkBackupExe -ExecutablePath $ExecutablePath
    if ($exe.Problem) {
        $result.Record = New-AvimarkErrorRecord -Message $exe.Problem -ErrorId 'AvimarkBackup.ExecutableNotFound' -Category ObjectNotFound -Target $ExecutablePath
        return $result
    }
    $argv = New-Object System.Collections.Generic.List[string]
    foreach ($a in $exe.PrefixArguments) { $argv.Add([string]$a) }
    foreach ($a in $Arguments) { $argv.Add($a) }
    $config = Resolve-AvimarkBackupConfig -ConfigPath $ConfigPath
    if ($config) { $argv.Add('--config'); $argv.Add($config) }
    $argv.Add('--json')
    $argArray = $argv.ToArray()
    Write-Verbose ("Running: " + (Join-CommandLine -Arguments (@($exe.Execute) + $argArray)))

    $stdout = New-Object System.Collections.Generic.List[string]
    $stderr = New-Object System.Collections.Generic.List[string]
    $previousEncoding = $null
    try { $previousEncoding = [Console]::OutputEncoding; [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { $previousEncoding = $null }
    $savedPreference = $ErrorActionPreference
    try {
        # Windows PowerShell 5.1 turns native stderr into error records; keep them as data.
        $ErrorActionPreference = 'Continue'
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
    $result.ExitCode = $exitCode
    $result.StandardError = $stderr.ToArray()
    Write-Verbose "avimark-backup $($Arguments[0]) exited with code $exitCode"

    $text = ($stdout -join "`n").Trim()
    if ($text -match '^[\[{]') {
        # The executable prints valid JSON under --json; output that is not is reported below.
        try { $result.Output = ConvertFrom-Json -InputObject $text -ErrorAction Stop } catch { $result.Output = $null }
    }
    if ($exitCode -eq 0 -and $text -and $null -eq $result.Output) {
        $result.Record = New-AvimarkErrorRecord -Message "avimark-backup $($Arguments[0]) printed output that is not JSON: $text" -ErrorId 'AvimarkBackup.NotJson' -Category InvalidResult
    }
    elseif ($exitCode -ne 0) {
        $message = Get-AvimarkFailureMessage -Command $Arguments[0] -Output $result.Output -StandardError $result.StandardError -ExitCode $exitCode
        $result.Record = New-AvimarkErrorRecord -Message "avimark-backup $($Arguments[0]): $message" -ExitCode $exitCode -Target $result.Output
    }
    return $result
}

function Invoke-AvimarkBackupExe {
    <#
    .SYNOPSIS
    Invoke-AvimarkBackupProcess for callers that stop on failure: returns the parsed JSON output, or
    throws the failure's ErrorRecord (message = the executable's own message, error id
    AvimarkBackup.Exit<code>, exit code in Exception.Data['ExitCode'], parsed output as TargetObject).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string[]]$Arguments,
        [string]$ExecutablePath,
        [string]$ConfigPath
    )
    $run = Invoke-AvimarkBackupProcess -Arguments $Arguments -ExecutablePath $ExecutablePath -ConfigPath $ConfigPath
    if ($run.Record) { throw $run.Record }
    return , $run.Output
}

function Invoke-AvimarkCommand {
    <#
    .SYNOPSIS
    Runs avimark-backup for a public function and reports a failure through that function: one
    non-terminating error (-NonTerminating, for functions that take pipeline input: the next item
    still runs and -ErrorAction decides) or one terminating error. Returns the run (see
    Invoke-AvimarkBackupProcess); its Record is set when it failed.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory = $true)][string[]]$Arguments,
        [string]$ExecutablePath,
        [string]$ConfigPath,
        [switch]$NonTerminating
    )
    $run = Invoke-AvimarkBackupProcess -Arguments $Arguments -ExecutablePath $ExecutablePath -ConfigPath $ConfigPath
    if ($run.Record) {
        if ($NonTerminating) { $Cmdlet.WriteError($run.Record) }
        else { $Cmdlet.ThrowTerminatingError($run.Record) }
    }
    return $run
}
