function Format-AvimarkNameList {
    <# "a, b, c and 4 more": the first few names of a list, for a message that must stay one line. #>
    [CmdletBinding()]
    [OutputType([string])]
    param([AllowNull()][AllowEmptyCollection()][object[]]$Names, [int]$First = 5)
    $all = @($Names | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
    if ($all.Count -eq 0) { return '' }
    $shown = ($all | Select-Object -First $First) -join ', '
    if ($all.Count -gt $First) { $shown += " and $($all.Count - $First) more" }
    return $shown
}

function Get-AvimarkPropertyValue {
    <# A property of a parsed JSON object, or $null when the object or the property is absent (StrictMode-safe). #>
    [CmdletBinding()]
    param([AllowNull()]$InputObject, [Parameter(Mandatory = $true)][string]$Name)
    if ($null -eq $InputObject -or $InputObject -isnot [psobject]) { return $null }
    $property = $InputObject.PSObject.Properties[$Name]
    if ($property) { return $property.Value }
    return $null
}

function Get-AvimarkSnapshotDamageMessage {
    <#
    .SYNOPSIS
    One line naming a damaged snapshot from one entry of verify's report: which snapshot, how many
    files and the first names, e.g. "snapshot 2026-11-25_010000 is damaged: 2 of 5 files differ from
    its manifest (damaged: F2.V2$, F3.V2$)".
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory = $true)]$Report)
    $id = Get-AvimarkPropertyValue $Report 'snapshotId'
    $parts = New-Object System.Collections.Generic.List[string]
    $count = 0
    foreach ($kind in @('damaged', 'missing', 'extra')) {
        $names = @(Get-AvimarkPropertyValue $Report $kind | Where-Object { $null -ne $_ })
        if ($names.Count -gt 0) {
            $count += $names.Count
            $parts.Add("${kind}: $(Format-AvimarkNameList -Names $names)")
        }
    }
    $checked = Get-AvimarkPropertyValue $Report 'filesChecked'
    $ofChecked = if ($null -ne $checked) { " of $checked checked" } else { '' }
    if ($count -eq 0) {
        $problems = @(Get-AvimarkPropertyValue $Report 'problems' | ForEach-Object { Get-AvimarkPropertyValue $_ 'detail' })
        return "snapshot $id failed verification: $(Format-AvimarkNameList -Names $problems -First 3)"
    }
    $files = if ($count -eq 1) { 'file differs' } else { 'files differ' }
    return "snapshot $id is damaged: $count$ofChecked $files from its manifest ($($parts -join '; '))"
}

function Get-AvimarkFailureMessage {
    <#
    .SYNOPSIS
    The message for a failed avimark-backup run, naming what failed: the "error" object of its JSON
    (message and hint); else, for the commands whose failure is a report (verify, restore, drill with
    exit code 3), what the report found; else its standard error; else the exit code.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)][string]$Command,
        [AllowNull()]$Output,
        [AllowEmptyCollection()][string[]]$StandardError = @(),
        [int]$ExitCode
    )
    $errorObject = if ($Output -isnot [array]) { Get-AvimarkPropertyValue $Output 'error' } else { $null }
    $message = Get-AvimarkPropertyValue $errorObject 'message'
    if ($message) {
        $hint = Get-AvimarkPropertyValue $errorObject 'hint'
        if ($hint) { return "$message (hint: $hint)" }
        return [string]$message
    }
    if ($null -ne $Output -and $Output -isnot [array]) {
        $report = $null
        switch ($Command) {
            'verify' {
                $bad = @(Get-AvimarkPropertyValue $Output 'snapshots' | Where-Object { (Get-AvimarkPropertyValue $_ 'ok') -eq $false })
                if ($bad.Count) { $report = (@($bad | ForEach-Object { Get-AvimarkSnapshotDamageMessage -Report $_ }) -join '; ') }
            }
            'restore' {
                $problems = @(Get-AvimarkPropertyValue $Output 'problems')
                if ($problems.Count) {
                    $names = @($problems | ForEach-Object { Get-AvimarkPropertyValue $_ 'path' })
                    $report = "the copy of snapshot $(Get-AvimarkPropertyValue $Output 'snapshotId') in $(Get-AvimarkPropertyValue $Output 'target') does not match its manifest: $($problems.Count) file(s) ($(Format-AvimarkNameList -Names $names))"
                }
            }
            'drill' {
                $problems = @(Get-AvimarkPropertyValue $Output 'problems')
                if ($problems.Count) {
                    $report = "the restore drill of snapshot $(Get-AvimarkPropertyValue $Output 'snapshotId') failed with $($problems.Count) problem(s): $(Format-AvimarkNameList -Names $problems -First 3)"
                }
            }
        }
        if ($report) { return $report }
    }
    $text = (($StandardError | ForEach-Object { $_ -replace '^avimark-backup:\s*', '' }) -join ' ').Trim()
    if ($text) { return $text }
    return "exited with code $ExitCode"
}

function New-AvimarkErrorRecord {
    <#
    .SYNOPSIS
    The ErrorRecord for a failed run: message "avimark-backup <command>: <what failed>", error id
    AvimarkBackup.Exit<code>, a category from the documented exit codes, the exit code in
    Exception.Data['ExitCode'] and the parsed output (or -Target) as TargetObject.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$Message,
        [int]$ExitCode = 1,
        [AllowNull()]$Target,
        [string]$ErrorId = "AvimarkBackup.Exit$ExitCode",
        [System.Management.Automation.ErrorCategory]$Category = [System.Management.Automation.ErrorCategory]::NotSpecified
    )
    $exception = New-Object System.Exception $Message
    $exception.Data['ExitCode'] = $ExitCode
    if ($PSBoundParameters.ContainsKey('Category')) {
        return New-Object System.Management.Automation.ErrorRecord $exception, $ErrorId, $Category, $Target
    }
    $category = switch ($ExitCode) {
        2 { [System.Management.Automation.ErrorCategory]::InvalidArgument }
        3 { [System.Management.Automation.ErrorCategory]::InvalidData }
        4 { [System.Management.Automation.ErrorCategory]::ResourceUnavailable }
        default { [System.Management.Automation.ErrorCategory]::NotSpecified }
    }
    return New-Object System.Management.Automation.ErrorRecord $exception, $ErrorId, $category, $Target
}
