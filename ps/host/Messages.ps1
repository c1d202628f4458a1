# avimark-backup host operations: messages to users (msg.exe).
# Loaded into the one PowerShell process together with Host.ps1 (which holds the allow-list of operations and
# calls these functions); defines functions only. Values arrive as decoded JSON data and are passed as parameter
# values, never made into code. Runs on Windows PowerShell 5.1 and PowerShell 7.

function Get-AvbMsgProgram {
    # A 32-bit process on 64-bit Windows is redirected to SysWOW64, which has no msg.exe.
    if ($env:windir -and [Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
        return Join-Path $env:windir 'Sysnative\msg.exe'
    }
    return 'msg.exe'
}

function Invoke-AvbSendMessage($a) {
    $program = Get-AvbMsgProgram
    $text = ConvertTo-AvbNativeArgument ([string]$a.text)
    $r = Invoke-AvbNative $program @('*', "/TIME:$([int]$a.displaySeconds)", $text)
    return [ordered]@{ found = $r.found; exitCode = $r.exitCode; output = @($r.output) }
}

# selftest: a message to the session this process runs in.
function Invoke-AvbSendMessageToOwnSession($a) {
    $program = Get-AvbMsgProgram
    $session = [System.Diagnostics.Process]::GetCurrentProcess().SessionId
    $text = ConvertTo-AvbNativeArgument ([string]$a.text)
    $r = Invoke-AvbNative $program @("$session", "/TIME:$([int]$a.displaySeconds)", $text)
    return [ordered]@{ found = $r.found; exitCode = $r.exitCode; output = @($r.output); sessionId = $session }
}
