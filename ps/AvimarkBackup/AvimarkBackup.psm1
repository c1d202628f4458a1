# AvimarkBackup: administration functions around avimark-backup.exe.
# Private helpers first, then one public function per file; only Public/ is exported.
Set-StrictMode -Version 2.0

foreach ($folder in @('Private', 'Public')) {
    $files = @(Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot $folder) -Filter '*.ps1' -File -ErrorAction SilentlyContinue)
    foreach ($file in $files) {
        . $file.FullName
    }
}

$publicNames = @(Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'Public') -Filter '*.ps1' -File |
        ForEach-Object { $_.BaseName })
Export-ModuleMember -Function $publicNames
