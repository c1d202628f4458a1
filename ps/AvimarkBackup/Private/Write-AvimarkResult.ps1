function Write-AvimarkResult {
    <#
    .SYNOPSIS
    Writes parsed avimark-backup JSON to the pipeline: each element of an array (or of the named
    collection property, e.g. 'snapshots') as its own object, tagged with a PSTypeName.
    #>
    [CmdletBinding()]
    param(
        [AllowNull()]$InputObject,
        [Parameter(Mandatory = $true)][string]$TypeName,
        [string]$CollectionProperty
    )
    if ($null -eq $InputObject) { return }
    $items = $InputObject
    if ($CollectionProperty -and $InputObject -isnot [array] -and $InputObject.PSObject.Properties[$CollectionProperty]) {
        $items = $InputObject.$CollectionProperty
    }
    foreach ($item in @($items)) {
        if ($item -is [psobject] -and $item.PSObject.TypeNames -notcontains $TypeName) {
            $item.PSObject.TypeNames.Insert(0, $TypeName)
        }
        $item
    }
}
