# avimark-backup host operations: processes (list, ask to close, force stop, wait for exit).
# Loaded into the one PowerShell process together with Host.ps1 (which holds the allow-list of operations and
# calls these functions); defines functions only. Values arrive as decoded JSON data and are passed as parameter
# values, never made into code. Runs on Windows PowerShell 5.1 and PowerShell 7.

function Invoke-AvbListProcesses($a) {
    $found = @()
    foreach ($raw in @($a.names)) {
        $name = ([string]$raw) -replace '\.exe$', ''
        $found += @(Get-Process -Name ([WildcardPattern]::Escape($name)) -ErrorAction SilentlyContinue | Where-Object { $_.ProcessName -eq $name })
    }
    $users = @{}
    if ($found.Count -gt 0) {
        # -IncludeUserName needs elevation; without it the user names are simply unknown.
        try {
            foreach ($p in @(Get-Process -Id ($found | ForEach-Object { $_.Id }) -IncludeUserName -ErrorAction Stop)) { $users[[int]$p.Id] = [string]$p.UserName }
        } catch { }
    }
    $list = @($found | ForEach-Object {
            $path = $null
            try { $path = [string]$_.Path } catch { }
            if ([string]::IsNullOrEmpty($path)) { $path = $null }
            $user = $null
            if ($users.ContainsKey([int]$_.Id) -and -not [string]::IsNullOrEmpty($users[[int]$_.Id])) { $user = $users[[int]$_.Id] }
            [ordered]@{ id = [int]$_.Id; name = [string]$_.ProcessName; sessionId = [int]$_.SessionId; userName = $user; path = $path }
        })
    return , $list
}

# Polite: taskkill without /F (a close request; refused for windowless or other-session processes).
function Invoke-AvbRequestProcessClose($a) {
    $outcomes = @(foreach ($id in @($a.ids)) {
            $r = Invoke-AvbNative 'taskkill.exe' @('/PID', ([string][int]$id))
            [ordered]@{ id = [int]$id; exitCode = $r.exitCode; output = ($r.output -join ' ') }
        })
    return , $outcomes
}

function Invoke-AvbForceStopProcesses($a) {
    $failures = @()
    foreach ($id in @($a.ids)) {
        try { Stop-Process -Id ([int]$id) -Force -ErrorAction Stop }
        catch { if (-not (Test-AvbNotFound $_)) { $failures += "$([int]$id): $($_.Exception.Message)" } }
    }
    if ($failures.Count -gt 0) { throw "Could not stop process(es) $($failures -join '; ')" }
}

function Get-AvbAliveIds([int[]]$Ids) {
    return @($Ids | Where-Object { $null -ne (Get-Process -Id $_ -ErrorAction SilentlyContinue) })
}

function Invoke-AvbWaitForProcessExit($a) {
    $ids = @(@($a.ids) | ForEach-Object { [int]$_ })
    $deadline = [DateTime]::UtcNow.AddSeconds([double]$a.timeoutSeconds)
    $alive = Get-AvbAliveIds $ids
    while ($alive.Count -gt 0 -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 200
        $alive = Get-AvbAliveIds $alive
    }
    return , @($alive)
}
