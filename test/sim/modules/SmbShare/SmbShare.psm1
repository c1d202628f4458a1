# Simulated SmbShare cmdlets (reference windows-powershell.md §1). State: $env:AVIMARK_SIM_STATE.
# Like the real CDXML cmdlets: names compare case-insensitively; a missing share/session/file is a
# NON-terminating ObjectNotFound error with FQID CmdletizationQuery_NotFound_<Param>,<Cmdlet>;
# destructive cmdlets prompt (here: fail) without -Force or -Confirm:$false; Close-SmbSession and
# Close-SmbOpenFile without a filter close EVERYTHING; enum properties are integers.
Set-StrictMode -Version 3.0

$script:CachingModes = @('None', 'Manual', 'Documents', 'Programs', 'BranchCache', 'Unknown')
$script:FolderEnumerationModes = @('AccessBased', 'Unrestricted')

function ConvertTo-SimShare([hashtable]$s) {
    [pscustomobject]@{
        PSTypeName            = 'Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/SMB/MSFT_SmbShare'
        Name                  = $s.Name
        ScopeName             = $s.ScopeName
        Path                  = $s.Path
        Description           = $s.Description
        ConcurrentUserLimit   = [uint32]$s.ConcurrentUserLimit
        CachingMode           = [uint32]$s.CachingMode
        FolderEnumerationMode = [uint32]$s.FolderEnumerationMode
        EncryptData           = [bool]$s.EncryptData
        ContinuouslyAvailable = [bool]$s.ContinuouslyAvailable
        CATimeout             = [uint32]$s.CATimeout
        Temporary             = [bool]$s.Temporary
        Special               = [bool]$s.Special
        SecurityDescriptor    = $s.SecurityDescriptor
        ShareState            = [uint32]1
        ShareType             = [uint32]0
        Scoped                = $false
        ShadowCopy            = $false
        CurrentUsers          = [uint32]0
        Volume                = '\\?\Volume{00000000-0000-0000-0000-000000000001}\'
        AvailabilityType      = [uint32]0
        SmbInstance           = [uint32]0
        PresetPathAcl         = $null
        PSComputerName        = $null
    }
}

function ConvertTo-SimSession([hashtable]$s) {
    [pscustomobject]@{
        PSTypeName         = 'Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/SMB/MSFT_SmbSession'
        SessionId          = [uint64]$s.SessionId
        ClientComputerName = $s.ClientComputerName
        ClientUserName     = $s.ClientUserName
        NumOpens           = [uint64]$s.NumOpens
        ScopeName          = '*'
        ClusterNodeName    = ''
        SecondsIdle        = [uint32]0
        SecondsExists      = [uint32]0
        Dialect            = '3.1.1'
        TransportName      = 'TCP'
        SmbInstance        = [uint32]0
    }
}

function ConvertTo-SimOpenFile([hashtable]$f) {
    [pscustomobject]@{
        PSTypeName            = 'Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/SMB/MSFT_SmbOpenFile'
        FileId                = [uint64]$f.FileId
        SessionId             = [uint64]$f.SessionId
        Path                  = $f.Path
        ShareRelativePath     = $f.ShareRelativePath
        ClientComputerName    = $f.ClientComputerName
        ClientUserName        = $f.ClientUserName
        Permissions           = [uint32]1179785
        Locks                 = [uint32]0
        ScopeName             = '*'
        ClusterNodeName       = ''
        ContinuouslyAvailable = $false
        Encrypted             = $false
        Signed                = $false
        SmbInstance           = [uint32]0
    }
}

function Find-SimShare([hashtable]$State, [string]$Name) {
    foreach ($s in @($State.shares)) { if ([string]::Equals($s.Name, $Name, [StringComparison]::OrdinalIgnoreCase)) { return $s } }
    return $null
}

function Update-SimOpenCounts([hashtable]$State) {
    foreach ($session in @($State.sessions)) {
        $session.NumOpens = @(@($State.openFiles) | Where-Object { [uint64]$_.SessionId -eq [uint64]$session.SessionId }).Count
    }
}

# Switch knobs.smbPerFileDelayMs = d (issue 13 §5): the SMB provider enumerates the server's open-file
# table for every Get-SmbOpenFile / Close-SmbOpenFile query, so each call costs d ms per open file on
# the server (hundreds of V2$ files x one call per file exceeds any fixed call timeout); Close-SmbSession
# costs d ms per file it closes. [INFERRED cost model; see docs/windows-validation.md.]
function Wait-SimOpenFileCost([double]$Files) {
    $delay = Get-AvbSimKnob (Read-AvbSimState) 'smbPerFileDelayMs'
    if ($null -eq $delay -or [double]$delay -le 0) { return }
    $ms = [int][Math]::Ceiling([double]$delay * $Files)
    if ($ms -gt 0) { Start-Sleep -Milliseconds $ms }
}

function Get-SmbShare {
    [CmdletBinding(DefaultParameterSetName = 'Query')]
    param(
        [Parameter(ParameterSetName = 'Query', Position = 0, ValueFromPipelineByPropertyName)] [string[]]$Name,
        [Parameter(ParameterSetName = 'Query', Position = 1, ValueFromPipelineByPropertyName)] [string[]]$ScopeName,
        [Parameter(ParameterSetName = 'Query')] [bool[]]$Scoped,
        [Parameter(ParameterSetName = 'Query')] [bool[]]$Special,
        [Parameter(ParameterSetName = 'Query')] [bool[]]$ContinuouslyAvailable,
        [Parameter(ParameterSetName = 'Query')] [string[]]$ShareState,
        [Parameter(ParameterSetName = 'Query')] [string[]]$FolderEnumerationMode,
        [Parameter(ParameterSetName = 'Query')] [string[]]$CachingMode,
        [Parameter(ParameterSetName = 'Query')] [string[]]$LeasingMode,
        [Parameter(ParameterSetName = 'Query')] [bool[]]$DirectoryHandleLeasing,
        [Parameter(ParameterSetName = 'Query')] [uint32[]]$ConcurrentUserLimit,
        [Parameter(ParameterSetName = 'Query')] [string[]]$AvailabilityType,
        [Parameter(ParameterSetName = 'Query')] [uint32[]]$CaTimeout,
        [Parameter(ParameterSetName = 'Query')] [bool[]]$EncryptData,
        [Parameter(ParameterSetName = 'Query')] [bool[]]$CompressData,
        [Parameter(ParameterSetName = 'Query')] [bool[]]$IsolatedTransport,
        [Parameter(ParameterSetName = 'Query')] [string[]]$QoSFlowScope,
        [Parameter(ParameterSetName = 'Query')] [string[]]$QoSPolicyId,
        [Parameter(ParameterSetName = 'Query')] [switch]$IncludeHidden,
        [Parameter(ParameterSetName = 'Query')] [string]$SmbInstance,
        [Alias('Session')] [object[]]$CimSession,
        [int]$ThrottleLimit,
        [switch]$AsJob
    )
    Add-AvbSimCall 'Get-SmbShare' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Get-SmbShare'
    $state = Update-AvbSimState { param($s) $s }
    if ($PSBoundParameters.ContainsKey('Name')) {
        foreach ($n in $Name) {
            $share = Find-SimShare $state $n
            if ($null -eq $share) {
                $PSCmdlet.WriteError((New-AvbSimNotFound -ErrorId 'CmdletizationQuery_NotFound_Name' -TargetName $n `
                    -Message "No MSFT_SMBShare objects found with property 'Name' equal to '$n'.  Verify the value of the property and retry."))
            } else {
                ConvertTo-SimShare $share
            }
        }
    } else {
        foreach ($share in @($state.shares)) {
            if ($IncludeHidden -or -not $share.Special) { ConvertTo-SimShare $share }
        }
    }
}

function New-SmbShare {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    param(
        [switch]$Temporary,
        [bool]$ContinuouslyAvailable,
        [string]$Description,
        [uint32]$ConcurrentUserLimit,
        [uint32]$CATimeout,
        [ValidateSet('AccessBased', 'Unrestricted')] [string]$FolderEnumerationMode,
        [ValidateSet('None', 'Manual', 'Documents', 'Programs', 'BranchCache', 'Unknown')] [string]$CachingMode,
        [string[]]$FullAccess,
        [string[]]$ChangeAccess,
        [string[]]$ReadAccess,
        [string[]]$NoAccess,
        [Parameter(ValueFromPipelineByPropertyName)] [string]$SecurityDescriptor,
        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)] [string]$Path,
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [string]$Name,
        [Parameter(Position = 2, ValueFromPipelineByPropertyName)] [string]$ScopeName,
        [bool]$EncryptData,
        [bool]$CompressData,
        [ValidateSet('Full', 'Shared', 'None')] [string]$LeasingMode,
        [Alias('Session')] [object[]]$CimSession,
        [int]$ThrottleLimit,
        [switch]$AsJob
    )
    Add-AvbSimCall 'New-SmbShare' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'New-SmbShare'
    # Documented quirk: -WhatIf does NOT stop New-SmbShare; it creates the share anyway.
    $bound = $PSBoundParameters
    $created = Update-AvbSimState {
        param($s)
        if ($null -ne (Find-SimShare $s $Name)) { return $null }
        $sd = 'O:BAG:BAD:(A;;0x1200a9;;;WD)'
        if ($bound.ContainsKey('SecurityDescriptor')) { $sd = $SecurityDescriptor }
        $share = [ordered]@{
            Name                  = $Name
            ScopeName             = $(if ($ScopeName) { $ScopeName } else { '*' })
            Path                  = $Path
            Description           = $(if ($bound.ContainsKey('Description')) { $Description } else { '' })
            ConcurrentUserLimit   = $(if ($bound.ContainsKey('ConcurrentUserLimit')) { $ConcurrentUserLimit } else { 0 })
            CachingMode           = $(if ($CachingMode) { [array]::IndexOf($script:CachingModes, $CachingMode) } else { 1 })
            FolderEnumerationMode = $(if ($FolderEnumerationMode) { [array]::IndexOf($script:FolderEnumerationModes, $FolderEnumerationMode) } else { 1 })
            EncryptData           = [bool]$EncryptData
            ContinuouslyAvailable = [bool]$ContinuouslyAvailable
            CATimeout             = $(if ($bound.ContainsKey('CATimeout')) { $CATimeout } else { 0 })
            Temporary             = [bool]$Temporary
            Special               = $false
            SecurityDescriptor    = $sd
        }
        $s.shares = @($s.shares) + @($share)
        return $share
    }
    if ($null -eq $created) {
        $exception = [System.InvalidOperationException]::new('The name has already been shared.')
        $record = [System.Management.Automation.ErrorRecord]::new($exception, 'Windows System Error 2118', [System.Management.Automation.ErrorCategory]::NotSpecified, 'MSFT_SMBShare')
        $PSCmdlet.WriteError($record)
        return
    }
    ConvertTo-SimShare (Find-SimShare (Read-AvbSimState) $Name)
}

function Set-SmbShare {
    [CmdletBinding(DefaultParameterSetName = 'Query', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(ParameterSetName = 'Query', Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [string[]]$Name,
        [Parameter(ParameterSetName = 'Query', Position = 1, ValueFromPipelineByPropertyName)] [string[]]$ScopeName,
        [Parameter(ParameterSetName = 'Query')] [string]$SmbInstance,
        [Parameter(ParameterSetName = 'InputObject', Mandatory, ValueFromPipeline)] [object[]]$InputObject,
        [string]$Description,
        [uint32]$ConcurrentUserLimit,
        [uint32]$CATimeout,
        [bool]$ContinuouslyAvailable,
        [ValidateSet('AccessBased', 'Unrestricted')] [string]$FolderEnumerationMode,
        [ValidateSet('None', 'Manual', 'Documents', 'Programs', 'BranchCache', 'Unknown')] [string]$CachingMode,
        [string]$SecurityDescriptor,
        [bool]$EncryptData,
        [bool]$CompressData,
        [bool]$IsolatedTransport,
        [ValidateSet('Full', 'Shared', 'None')] [string]$LeasingMode,
        [bool]$DirectoryHandleLeasing,
        [string]$QoSFlowScope,
        [string]$QoSPolicyId,
        [switch]$Force,
        [Alias('Session')] [object[]]$CimSession,
        [int]$ThrottleLimit,
        [switch]$AsJob,
        [switch]$PassThru
    )
    Add-AvbSimCall 'Set-SmbShare' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Set-SmbShare'
    $names = if ($PSCmdlet.ParameterSetName -eq 'InputObject') { @($InputObject | ForEach-Object { $_.Name }) } else { $Name }
    foreach ($n in $names) {
        $exists = $null -ne (Find-SimShare (Read-AvbSimState) $n)
        if (-not $exists) {
            $PSCmdlet.WriteError((New-AvbSimNotFound -ErrorId 'CmdletizationQuery_NotFound_Name' -TargetName $n `
                -Message "No MSFT_SMBShare objects found with property 'Name' equal to '$n'.  Verify the value of the property and retry."))
            continue
        }
        Assert-AvbSimConfirmed -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Operation 'Modify' -Target "*,$n"
        $bound = $PSBoundParameters
        Update-AvbSimState {
            param($s)
            $share = Find-SimShare $s $n
            if ($bound.ContainsKey('Description')) { $share.Description = $Description }
            if ($bound.ContainsKey('ConcurrentUserLimit')) { $share.ConcurrentUserLimit = $ConcurrentUserLimit }
            if ($bound.ContainsKey('CATimeout')) { $share.CATimeout = $CATimeout }
            if ($bound.ContainsKey('ContinuouslyAvailable')) { $share.ContinuouslyAvailable = $ContinuouslyAvailable }
            if ($bound.ContainsKey('FolderEnumerationMode')) { $share.FolderEnumerationMode = [array]::IndexOf($script:FolderEnumerationModes, $FolderEnumerationMode) }
            if ($bound.ContainsKey('CachingMode')) { $share.CachingMode = [array]::IndexOf($script:CachingModes, $CachingMode) }
            if ($bound.ContainsKey('SecurityDescriptor')) { $share.SecurityDescriptor = $SecurityDescriptor }
            if ($bound.ContainsKey('EncryptData')) { $share.EncryptData = $EncryptData }
        } | Out-Null
        if ($PassThru) { ConvertTo-SimShare (Find-SimShare (Read-AvbSimState) $n) }
    }
}

function Remove-SmbShare {
    [CmdletBinding(DefaultParameterSetName = 'Query', SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(ParameterSetName = 'Query', Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [string[]]$Name,
        [Parameter(ParameterSetName = 'Query', Position = 1, ValueFromPipelineByPropertyName)] [string[]]$ScopeName,
        [Parameter(ParameterSetName = 'Query')] [string]$SmbInstance,
        [Parameter(ParameterSetName = 'InputObject', Mandatory, ValueFromPipeline)] [object[]]$InputObject,
        [switch]$Force,
        [Alias('Session')] [object[]]$CimSession,
        [int]$ThrottleLimit,
        [switch]$AsJob,
        [switch]$PassThru
    )
    Add-AvbSimCall 'Remove-SmbShare' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Remove-SmbShare'
    $names = if ($PSCmdlet.ParameterSetName -eq 'InputObject') { @($InputObject | ForEach-Object { $_.Name }) } else { $Name }
    foreach ($n in $names) {
        $share = Find-SimShare (Read-AvbSimState) $n
        if ($null -eq $share) {
            $PSCmdlet.WriteError((New-AvbSimNotFound -ErrorId 'CmdletizationQuery_NotFound_Name' -TargetName $n `
                -Message "No MSFT_SMBShare objects found with property 'Name' equal to '$n'.  Verify the value of the property and retry."))
            continue
        }
        Assert-AvbSimConfirmed -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Operation 'Remove-Share' -Target "*,$n"
        Update-AvbSimState {
            param($s)
            $victim = Find-SimShare $s $n
            $prefix = $victim.Path.TrimEnd('/', '\')
            $s.shares = @(@($s.shares) | Where-Object { -not [object]::ReferenceEquals($_, $victim) })
            # Removing a share forcibly disconnects everything open under it.
            $s.openFiles = @(@($s.openFiles) | Where-Object {
                    -not ($_.Path.Equals($prefix, [StringComparison]::OrdinalIgnoreCase) -or
                        $_.Path.StartsWith($prefix + '/', [StringComparison]::OrdinalIgnoreCase) -or
                        $_.Path.StartsWith($prefix + '\', [StringComparison]::OrdinalIgnoreCase)) })
            Update-SimOpenCounts $s
        } | Out-Null
        if ($PassThru) { ConvertTo-SimShare $share }
    }
}

function Get-SmbSession {
    [CmdletBinding(DefaultParameterSetName = 'Query')]
    param(
        [Parameter(Position = 0)] [uint64[]]$SessionId,
        [Parameter(Position = 1)] [string[]]$ClientComputerName,
        [Parameter(Position = 2)] [string[]]$ClientUserName,
        [Parameter(Position = 3)] [string[]]$ScopeName,
        [Parameter(Position = 4)] [string[]]$ClusterNodeName,
        [switch]$IncludeHidden,
        [string]$SmbInstance,
        [Alias('Session')] [object[]]$CimSession,
        [int]$ThrottleLimit,
        [switch]$AsJob
    )
    Add-AvbSimCall 'Get-SmbSession' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Get-SmbSession'
    $state = Update-AvbSimState { param($s) $s }
    foreach ($session in @($state.sessions)) {
        if ($SessionId -and -not ($SessionId -contains [uint64]$session.SessionId)) { continue }
        if ($ClientComputerName -and -not ($ClientComputerName -contains $session.ClientComputerName)) { continue }
        if ($ClientUserName -and -not ($ClientUserName -contains $session.ClientUserName)) { continue }
        ConvertTo-SimSession $session
    }
}

function Close-SmbSession {
    [CmdletBinding(DefaultParameterSetName = 'Query', SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(ParameterSetName = 'Query', Position = 0, ValueFromPipelineByPropertyName)] [uint64[]]$SessionId,
        [Parameter(ParameterSetName = 'Query', ValueFromPipelineByPropertyName)] [string[]]$ClientComputerName,
        [Parameter(ParameterSetName = 'Query', ValueFromPipelineByPropertyName)] [string[]]$ClientUserName,
        [Parameter(ParameterSetName = 'Query', ValueFromPipelineByPropertyName)] [string[]]$ScopeName,
        [Parameter(ParameterSetName = 'Query', ValueFromPipelineByPropertyName)] [string[]]$ClusterNodeName,
        [Parameter(ParameterSetName = 'Query')] [string]$SmbInstance,
        [Parameter(ParameterSetName = 'InputObject', Mandatory, ValueFromPipeline)] [object[]]$InputObject,
        [switch]$Force,
        [Alias('Session')] [object[]]$CimSession,
        [int]$ThrottleLimit,
        [switch]$AsJob,
        [switch]$PassThru
    )
    Add-AvbSimCall 'Close-SmbSession' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Close-SmbSession'
    $ids = if ($PSCmdlet.ParameterSetName -eq 'InputObject') { @($InputObject | ForEach-Object { [uint64]$_.SessionId }) } else { $SessionId }
    $state = Read-AvbSimState
    # No filter at all matches EVERY session (the documented danger).
    $targets = @(@($state.sessions) | Where-Object {
            (-not $ids -or $ids -contains [uint64]$_.SessionId) -and
            (-not $ClientComputerName -or $ClientComputerName -contains $_.ClientComputerName) -and
            (-not $ClientUserName -or $ClientUserName -contains $_.ClientUserName) })
    if ($ids) {
        foreach ($id in $ids) {
            if (-not (@($targets) | Where-Object { [uint64]$_.SessionId -eq $id })) {
                $PSCmdlet.WriteError((New-AvbSimNotFound -ErrorId 'CmdletizationQuery_NotFound_SessionId' -TargetName "$id" `
                    -Message "No MSFT_SmbSession objects found with property 'SessionId' equal to '$id'.  Verify the value of the property and retry."))
            }
        }
    }
    if ($targets.Count -eq 0) { return }
    Assert-AvbSimConfirmed -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Operation 'Close-Session' -Target (($targets | ForEach-Object { $_.SessionId }) -join ',')
    $closing = @($targets | ForEach-Object { [uint64]$_.SessionId })
    Wait-SimOpenFileCost @(@($state.openFiles) | Where-Object { $closing -contains [uint64]$_.SessionId }).Count
    Update-AvbSimState {
        param($s)
        $s.sessions = @(@($s.sessions) | Where-Object { $closing -notcontains [uint64]$_.SessionId })
        $s.openFiles = @(@($s.openFiles) | Where-Object { $closing -notcontains [uint64]$_.SessionId })
    } | Out-Null
    if ($PassThru) { $targets | ForEach-Object { ConvertTo-SimSession $_ } }
}

function Get-SmbOpenFile {
    [CmdletBinding(DefaultParameterSetName = 'Query')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)] [uint64[]]$FileId,
        [Parameter(Position = 1, ValueFromPipelineByPropertyName)] [uint64[]]$SessionId,
        [Parameter(Position = 2, ValueFromPipelineByPropertyName)] [string[]]$ClientComputerName,
        [Parameter(Position = 3, ValueFromPipelineByPropertyName)] [string[]]$ClientUserName,
        [Parameter(Position = 4, ValueFromPipelineByPropertyName)] [string[]]$ScopeName,
        [Parameter(Position = 5, ValueFromPipelineByPropertyName)] [string[]]$ClusterNodeName,
        [switch]$IncludeHidden,
        [string]$SmbInstance,
        [Alias('Session')] [object[]]$CimSession,
        [int]$ThrottleLimit,
        [switch]$AsJob
    )
    Add-AvbSimCall 'Get-SmbOpenFile' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Get-SmbOpenFile'
    $state = Update-AvbSimState { param($s) $s }
    Wait-SimOpenFileCost @($state.openFiles).Count
    foreach ($f in @($state.openFiles)) {
        if ($FileId -and -not ($FileId -contains [uint64]$f.FileId)) { continue }
        if ($SessionId -and -not ($SessionId -contains [uint64]$f.SessionId)) { continue }
        ConvertTo-SimOpenFile $f
    }
}

function Close-SmbOpenFile {
    [CmdletBinding(DefaultParameterSetName = 'Query', SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(ParameterSetName = 'Query', Position = 0, ValueFromPipelineByPropertyName)] [uint64[]]$FileId,
        [Parameter(ParameterSetName = 'Query', ValueFromPipelineByPropertyName)] [uint64[]]$SessionId,
        [Parameter(ParameterSetName = 'Query', ValueFromPipelineByPropertyName)] [string[]]$ClientComputerName,
        [Parameter(ParameterSetName = 'Query', ValueFromPipelineByPropertyName)] [string[]]$ClientUserName,
        [Parameter(ParameterSetName = 'Query', ValueFromPipelineByPropertyName)] [string[]]$ScopeName,
        [Parameter(ParameterSetName = 'Query', ValueFromPipelineByPropertyName)] [string[]]$ClusterNodeName,
        [Parameter(ParameterSetName = 'Query')] [string]$SmbInstance,
        [Parameter(ParameterSetName = 'InputObject', Mandatory, ValueFromPipeline)] [object[]]$InputObject,
        [switch]$Force,
        [Alias('Session')] [object[]]$CimSession,
        [int]$ThrottleLimit,
        [switch]$AsJob,
        [switch]$PassThru
    )
    Add-AvbSimCall 'Close-SmbOpenFile' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Close-SmbOpenFile'
    $ids = if ($PSCmdlet.ParameterSetName -eq 'InputObject') { @($InputObject | ForEach-Object { [uint64]$_.FileId }) } else { $FileId }
    $state = Read-AvbSimState
    Wait-SimOpenFileCost @($state.openFiles).Count
    # No filter at all matches EVERY open file.
    $targets = @(@($state.openFiles) | Where-Object {
            (-not $ids -or $ids -contains [uint64]$_.FileId) -and
            (-not $SessionId -or $SessionId -contains [uint64]$_.SessionId) })
    if ($ids) {
        foreach ($id in $ids) {
            if (-not (@($targets) | Where-Object { [uint64]$_.FileId -eq $id })) {
                $PSCmdlet.WriteError((New-AvbSimNotFound -ErrorId 'CmdletizationQuery_NotFound_FileId' -TargetName "$id" `
                    -Message "No MSFT_SmbOpenFile objects found with property 'FileId' equal to '$id'.  Verify the value of the property and retry."))
            }
        }
    }
    if ($targets.Count -eq 0) { return }
    Assert-AvbSimConfirmed -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Operation 'Close-File' -Target (($targets | ForEach-Object { $_.FileId }) -join ',')
    $closing = @($targets | ForEach-Object { [uint64]$_.FileId })
    Update-AvbSimState {
        param($s)
        $s.openFiles = @(@($s.openFiles) | Where-Object { $closing -notcontains [uint64]$_.FileId })
        Update-SimOpenCounts $s
    } | Out-Null
    if ($PassThru) { $targets | ForEach-Object { ConvertTo-SimOpenFile $_ } }
}
