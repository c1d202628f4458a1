# avimark-backup host operations: files (exists, rename within a folder).
# Loaded into the one PowerShell process together with Host.ps1 (which holds the allow-list of operations and
# calls these functions); defines functions only. Values arrive as decoded JSON data and are passed as parameter
# values, never made into code. Runs on Windows PowerShell 5.1 and PowerShell 7.

function Invoke-AvbPathExists($a) {
    return [bool](Test-Path -LiteralPath ([string]$a.path))
}

function Invoke-AvbRenameFile($a) {
    $from = [string]$a.from
    $to = [string]$a.to
    if (-not (Test-Path -LiteralPath $from)) { throw "Cannot rename '$from': it does not exist." }
    if (Test-Path -LiteralPath $to) { throw "Cannot rename '$from' to '$to': a file with that name already exists." }
    $fromDir = [System.IO.Path]::GetDirectoryName($from)
    $toDir = [System.IO.Path]::GetDirectoryName($to)
    if (-not [string]::Equals($fromDir, $toDir, [StringComparison]::OrdinalIgnoreCase)) {
        throw "Cannot rename '$from' to '$to': only renames within the same folder are supported."
    }
    Rename-Item -LiteralPath $from -NewName ([System.IO.Path]::GetFileName($to))
}
