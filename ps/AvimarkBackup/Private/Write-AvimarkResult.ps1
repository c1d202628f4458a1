function Write-AvimarkResult {
    <#
    .SYNOPSIS
    Writes parsed avimark-backup JSON to the pipeline, tagged with a PSTypeName (AvimarkBackup.*, whose
    default views are in AvimarkBackup.format.ps1xml). With -CollectionProperty (e.g. 'snapshots'),
    each object of that collection is written on its own; a collection of bare values (not objects)
    is not split, the whole result is written instead.
    #>
    [CmdletBinding()]
    param(
        [AllowNull()]$InputObject,
        [Parameter(Mandatory = $true)][string]$TypeName,
        [string]$CollectionProperty
    )
    if ($null -eq $InputObject) { return }
    $items = @($InputObject)
    if ($CollectionProperty -and $InputObject -isnot [array] -and $InputObject.PSObject.Properties[$CollectionProperty]) {
        $members = @($InputObject.$CollectionProperty)
        $bare = @($members | Where-Object { $_ -isnot [System.Management.Automation.PSCustomObject] })
        if ($bare.Count -eq 0) { $items = $members }
    }
    foreach ($item in $items) {
        if ($item -is [psobject] -and $item.PSObject.TypeNames -notcontains $TypeName) {
            $item.PSObject.TypeNames.Insert(0, $TypeName)
        }
        $item
    }
}
