<#
.SYNOPSIS
Group Policy computer startup script: gives AVImark back after a crash or power loss during a backup.

.DESCRIPTION
Runs "avimark-backup recover --config <file> --json" once at boot, as Local System (startup scripts run
as SYSTEM). recover reads the lockout journal a killed backup left behind and undoes every step: the
share's exact ACL, the services' start types and states, the renamed avimark.exe. With no journal it
does nothing and exits at once.

Group Policy lets ALL startup scripts together run for 600 seconds by default
("Specify maximum wait time for Group Policy scripts"). This script therefore stops recover after
-TimeoutSeconds (default 240) and never waits longer: boot is never held up indefinitely. recover is told
(--wait-minutes) to stop waiting for a server still booting 30 s before that, so it gives back what it can
and says what stayed locked rather than being stopped; a failed recover is run again while time is left. A recover
that is stopped part-way is safe to repeat (the journal is kept until every step is undone); the
startup scheduled task or an administrator's "avimark-backup recover" finishes it.

Every run is logged to -LogPath and to the Application event log (source avimark-backup):
  1020 Information  recover finished (exit code 0)
  1021 Error        recover failed or could not give AVImark back (its exit code and message)
  1022 Error        recover did not finish within the timeout and was stopped, or could not start

Deploy: copy this file to the GPO's
  \\<domain>\SysVol\<domain>\Policies\{GPO-GUID}\Machine\Scripts\Startup\
and add it in Group Policy Management Editor under
  Computer Configuration > Policies > Windows Settings > Scripts (Startup/Shutdown) > Startup >
  "PowerShell Scripts" tab, with parameters if the defaults do not fit, for example:
  -ConfigPath D:\avimark-backup\config.json
Link the GPO to the OU of the AVImark server only.

.PARAMETER ExecutablePath
avimark-backup.exe (default %ProgramFiles%\avimark-backup\avimark-backup.exe).

.PARAMETER ConfigPath
The configuration file (default %ProgramData%\avimark-backup\config.json).

.PARAMETER TimeoutSeconds
How long recover may run before it is stopped (default 240; keep well under the 600-second budget
shared by all startup scripts).

.PARAMETER RetryDelaySeconds
How long to wait before running recover again when it failed (default 20); retried while -TimeoutSeconds allows.

.PARAMETER LogPath
Log file, appended to (default %ProgramData%\avimark-backup\logs\startup-recover.log).

.PARAMETER EventSource
Event Log source (default avimark-backup; the same as the configuration's alerts.eventLog.source).

.EXAMPLE
powershell.exe -NoProfile -ExecutionPolicy Bypass -File Avimark-Startup-Recover.ps1 -ConfigPath D:\avimark-backup\config.json
What Group Policy runs at startup (test it this way from an elevated prompt).
#>
[CmdletBinding()]
param(
    [string]$ExecutablePath = $(if ($env:ProgramFiles) { Join-Path $env:ProgramFiles 'avimark-backup\avimark-backup.exe' } else { '' }),
    [string]$ConfigPath = $(if ($env:ProgramData) { Join-Path $env:ProgramData 'avimark-backup\config.json' } else { '' }),
    [ValidateRange(1, 3600)][int]$TimeoutSeconds = 240,
    [ValidateRange(1, 600)][int]$RetryDelaySeconds = 20,
    [string]$LogPath = $(if ($env:ProgramData) { Join-Path $env:ProgramData 'avimark-backup\logs\startup-recover.log' } else { '' }),
    [string]$EventSource = 'avimark-backup'
)

$ErrorActionPreference = 'Continue'

function Write-RecoverLog([string]$Level, [string]$Text) {
    $line = '{0} {1} {2}' -f (Get-Date).ToString('yyyy-MM-ddTHH:mm:sszzz'), $Level, $Text
    if ($LogPath) {
        try {
            $folder = Split-Path -Parent $LogPath
            if ($folder -and -not (Test-Path -LiteralPath $folder)) { New-Item -ItemType Directory -Path $folder -Force | Out-Null }
            Add-Content -LiteralPath $LogPath -Value $line -Encoding UTF8
        } catch { }
    }
    Write-Output $line
}

function Write-RecoverEvent([int]$Id, [string]$EntryType, [string]$Text) {
    try {
        if (Get-Command -Name Write-EventLog -ErrorAction SilentlyContinue) {
            try { Write-EventLog -LogName Application -Source $EventSource -EventId $Id -EntryType $EntryType -Message $Text -ErrorAction Stop }
            catch {
                New-EventLog -LogName Application -Source $EventSource -ErrorAction SilentlyContinue
                Write-EventLog -LogName Application -Source $EventSource -EventId $Id -EntryType $EntryType -Message $Text -ErrorAction Stop
            }
        }
        else {
            if (-not [System.Diagnostics.EventLog]::SourceExists($EventSource)) { [System.Diagnostics.EventLog]::CreateEventSource($EventSource, 'Application') }
            [System.Diagnostics.EventLog]::WriteEntry($EventSource, $Text, [System.Diagnostics.EventLogEntryType]$EntryType, $Id)
        }
    } catch {
        Write-RecoverLog 'WARN' "could not write event $Id to the Event Log: $($_.Exception.Message)"
    }
}

# Quotes one argument the way CommandLineToArgvW splits it back (ProcessStartInfo takes one string on .NET Framework).
function ConvertTo-Argument([string]$Value) {
    if ($Value -ne '' -and $Value -notmatch '[\s"]') { return $Value }
    $out = '"'
    $slashes = 0
    foreach ($ch in $Value.ToCharArray()) {
        if ($ch -eq '\') { $slashes++; continue }
        if ($ch -eq '"') { $out += ('\' * (2 * $slashes + 1)) + '"' }
        else { $out += ('\' * $slashes) + $ch }
        $slashes = 0
    }
    return $out + ('\' * (2 * $slashes)) + '"'
}

if (-not $ExecutablePath -or -not (Test-Path -LiteralPath $ExecutablePath -PathType Leaf)) {
    $text = "avimark-backup startup recover: executable '$ExecutablePath' not found; AVImark may still be locked out. Run 'avimark-backup recover' by hand."
    Write-RecoverLog 'ERROR' $text
    Write-RecoverEvent 1022 'Error' $text
    exit 1
}

$arguments = @('recover', '--json')
if ($ConfigPath) { $arguments += @('--config', $ConfigPath) }
$info = New-Object System.Diagnostics.ProcessStartInfo
$info.FileName = $ExecutablePath
$info.UseShellExecute = $false
$info.CreateNoWindow = $true
$info.RedirectStandardOutput = $true
$info.RedirectStandardError = $true
$info.WorkingDirectory = Split-Path -Parent $ExecutablePath

# At boot the Server service and the SMB provider may not answer yet: recover waits for them itself
# (a few minutes), and this script runs it again after -RetryDelaySeconds while it fails and time is left
# (issue 13 §6). A configuration error (exit 2) is not retried.
$started = Get-Date
$attempt = 0
while ($true) {
    $attempt++
    $left = [int]($TimeoutSeconds - ((Get-Date) - $started).TotalSeconds)
    # recover waits for a server still booting for at most the time left here, less 30 s to give back,
    # so that it gives back (and says what stayed locked) before this script would have to stop it.
    $waitMinutes = [math]::Max([double]0, [math]::Floor(($left - 30) / 6.0) / 10.0)
    $info.Arguments = ((($arguments + @('--wait-minutes', $waitMinutes.ToString([cultureinfo]::InvariantCulture))) |
            ForEach-Object { ConvertTo-Argument $_ }) -join ' ')
    Write-RecoverLog 'INFO' "starting (attempt $attempt): $ExecutablePath $($info.Arguments) (timeout $left s)"
    try {
        $process = [System.Diagnostics.Process]::Start($info)
    } catch {
        $text = "avimark-backup startup recover could not start '$ExecutablePath': $($_.Exception.Message)"
        Write-RecoverLog 'ERROR' $text
        Write-RecoverEvent 1022 'Error' $text
        exit 1
    }
    # Read both streams asynchronously so a full pipe can never stall the child.
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()

    if (-not $process.WaitForExit([math]::Max(1, $left) * 1000)) {
        try { $process.Kill() } catch { }
        [void]$process.WaitForExit(5000)
        $text = "avimark-backup recover did not finish within $TimeoutSeconds s and was stopped so that startup can continue. AVImark may still be locked out: run 'avimark-backup recover' (or Unlock-Avimark) as an administrator."
        Write-RecoverLog 'ERROR' $text
        Write-RecoverEvent 1022 'Error' $text
        exit 1
    }
    $process.WaitForExit()
    $seconds = [math]::Round(((Get-Date) - $started).TotalSeconds, 1)
    $code = $process.ExitCode
    $out = ''
    $err = ''
    if ($stdout.Wait(5000)) { $out = $stdout.Result.Trim() }
    if ($stderr.Wait(5000)) { $err = $stderr.Result.Trim() }
    if ($out) { Write-RecoverLog 'INFO' "output: $out" }
    if ($err) { Write-RecoverLog 'INFO' "stderr: $err" }

    if ($code -eq 0) {
        $text = "avimark-backup startup recover finished in $seconds s (exit code 0).`n$out"
        Write-RecoverLog 'INFO' "finished in $seconds s (exit code 0)"
        Write-RecoverEvent 1020 'Information' $text
        exit 0
    }
    $remaining = $TimeoutSeconds - ((Get-Date) - $started).TotalSeconds
    if ($code -eq 2 -or $remaining -le ($RetryDelaySeconds + 5)) { break }
    Write-RecoverLog 'WARN' "exit code $code after $seconds s: trying again in $RetryDelaySeconds s"
    Start-Sleep -Seconds $RetryDelaySeconds
}
$text = "avimark-backup startup recover FAILED (exit code $code) after $seconds s and $attempt attempt(s). AVImark may still be locked out: see the message below and run 'avimark-backup recover' as an administrator.`n$err`n$out"
Write-RecoverLog 'ERROR' "failed with exit code $code"
Write-RecoverEvent 1021 'Error' $text
exit 1
