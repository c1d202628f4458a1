function ConvertTo-CommandLineArgument {
    <#
    .SYNOPSIS
    Quotes one argument for a Windows command line the way CommandLineToArgvW splits it back.
    Used only where Windows insists on a single string: a scheduled task's -Argument.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Value)

    if ($Value -ne '' -and $Value -notmatch '[\s"]') { return $Value }
    $builder = New-Object System.Text.StringBuilder
    [void]$builder.Append('"')
    $backslashes = 0
    foreach ($ch in $Value.ToCharArray()) {
        if ($ch -eq '\') { $backslashes++; continue }
        if ($ch -eq '"') {
            [void]$builder.Append('\', 2 * $backslashes + 1)
            [void]$builder.Append('"')
        }
        else {
            if ($backslashes) { [void]$builder.Append('\', $backslashes) }
            [void]$builder.Append($ch)
        }
        $backslashes = 0
    }
    if ($backslashes) { [void]$builder.Append('\', 2 * $backslashes) }
    [void]$builder.Append('"')
    return $builder.ToString()
}

function Join-CommandLine {
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory = $true)][string[]]$Arguments)
    return (($Arguments | ForEach-Object { ConvertTo-CommandLineArgument -Value $_ }) -join ' ')
}
