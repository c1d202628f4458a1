# Simulated CIM cmdlets for three classes (reference §4):
# - Win32_Volume: the state's volumes (Name = mount path ending in a separator, DeviceID = \\?\Volume{GUID}\, FileSystem).
# - Win32_ShadowCopy: Create (via Invoke-CimMethod) makes a REAL point-in-time copy of the volume's folder in
#   <volume.ShadowDir>/HarddiskVolumeShadowCopyN, which acts as the device object. Failures come back as
#   ReturnValue codes, never as errors (knob: knobs.shadowReturnValue forces a code). Deletion through
#   Remove-CimInstance. Knob knobs.cimAccessDenied makes Win32_ShadowCopy queries fail with Access denied.
#   Switches (issue 13 §4): knobs.shadowTransientCodes (codes returned by the next Create calls, one each),
#   knobs.shadowLateCompletionSeconds (Create completes late; the copy appears even if the caller gave up).
# - Win32_Service: Name, DisplayName, State, StartMode ('Auto'/'Manual'/'Disabled'/'Boot'/'System'), DelayedAutoStart.
Set-StrictMode -Version 3.0

$script:StartModeNames = @{ Boot = 'Boot'; System = 'System'; Automatic = 'Auto'; Manual = 'Manual'; Disabled = 'Disabled' }

function New-SimCimInstance([string]$Class, [System.Collections.IDictionary]$Properties) {
    $o = [ordered]@{ PSTypeName = "Microsoft.Management.Infrastructure.CimInstance#root/cimv2/$Class" }
    foreach ($k in $Properties.Keys) { $o[$k] = $Properties[$k] }
    $obj = [pscustomobject]$o
    $obj.PSObject.Properties.Add([psnoteproperty]::new('CimClassName', $Class))
    return $obj
}

function Test-SimKnob([hashtable]$State, [string]$Name) {
    return $State.ContainsKey('knobs') -and $null -ne $State.knobs -and $State.knobs.ContainsKey($Name) -and $null -ne $State.knobs[$Name] -and $State.knobs[$Name]
}

function Write-SimCimError([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$Message, [System.Management.Automation.ErrorCategory]$Category, [string]$ErrorId) {
    $exception = [System.InvalidOperationException]::new($Message)
    $Cmdlet.WriteError([System.Management.Automation.ErrorRecord]::new($exception, $ErrorId, $Category, $null))
}

function Get-SimClassInstances([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$ClassName, [hashtable]$State) {
    switch ($ClassName) {
        'Win32_Volume' {
            foreach ($v in @($State.volumes)) {
                New-SimCimInstance 'Win32_Volume' ([ordered]@{
                        Name = $v.Name; DeviceID = $v.DeviceID; FileSystem = $v.FileSystem; Label = ''
                        DriveLetter = $null; DriveType = [uint32]3; Capacity = [uint64]0; FreeSpace = [uint64]0
                    })
            }
        }
        'Win32_ShadowCopy' {
            if (Test-SimKnob $State 'cimAccessDenied') {
                Write-SimCimError $Cmdlet 'Access denied ' ([System.Management.Automation.ErrorCategory]::PermissionDenied) 'HRESULT 0x80041003,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand'
                return
            }
            $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
            foreach ($sc in @($State.shadowCopies)) {
                # A late completion (knobs.shadowLateCompletionSeconds) is not listed before it completes.
                if ($sc.ContainsKey('VisibleAfterMs') -and $null -ne $sc.VisibleAfterMs -and $now -lt [long]$sc.VisibleAfterMs) { continue }
                New-SimCimInstance 'Win32_ShadowCopy' ([ordered]@{
                        ID = $sc.ID; DeviceObject = $sc.DeviceObject; VolumeName = $sc.VolumeName; InstallDate = $sc.InstallDate
                        ClientAccessible = $true; Persistent = $true; NoAutoRelease = $true; State = [uint32]12
                        OriginatingMachine = 'SIMSRV'; ServiceMachine = 'SIMSRV'; Count = [uint32]1
                    })
            }
        }
        'Win32_Service' {
            foreach ($svc in @($State.services)) {
                New-SimCimInstance 'Win32_Service' ([ordered]@{
                        Name = $svc.Name; DisplayName = $svc.DisplayName; State = [string]$svc.Status
                        StartMode = $script:StartModeNames[[string]$svc.StartType]
                        DelayedAutoStart = [bool]($svc.ContainsKey('DelayedAutoStart') -and $svc.DelayedAutoStart)
                        Started = ($svc.Status -eq 'Running')
                    })
            }
        }
        default {
            Write-SimCimError $Cmdlet 'Invalid class ' ([System.Management.Automation.ErrorCategory]::MetadataError) 'HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand'
        }
    }
}

function Get-CimInstance {
    [CmdletBinding(DefaultParameterSetName = 'ClassNameComputerSet')]
    param(
        [Parameter(ParameterSetName = 'ClassNameComputerSet', Mandatory, Position = 0)]
        [Parameter(ParameterSetName = 'ClassNameSessionSet', Mandatory, Position = 0)] [string]$ClassName,
        [Parameter(ParameterSetName = 'ClassNameComputerSet')] [Parameter(ParameterSetName = 'ClassNameSessionSet')]
        [Parameter(ParameterSetName = 'QueryComputerSet')] [Parameter(ParameterSetName = 'QuerySessionSet')] [string]$Namespace,
        [Parameter(ParameterSetName = 'ClassNameComputerSet')] [Parameter(ParameterSetName = 'ClassNameSessionSet')] [string]$Filter,
        [Parameter(ParameterSetName = 'ClassNameComputerSet')] [Parameter(ParameterSetName = 'ClassNameSessionSet')] [Alias('SelectProperties')] [string[]]$Property,
        [Parameter(ParameterSetName = 'ClassNameComputerSet')] [Parameter(ParameterSetName = 'ClassNameSessionSet')] [switch]$KeyOnly,
        [switch]$Shallow,
        [Alias('OT')] [uint32]$OperationTimeoutSec,
        [Parameter(ParameterSetName = 'QueryComputerSet', Mandatory)] [Parameter(ParameterSetName = 'QuerySessionSet', Mandatory)] [string]$Query,
        [string]$QueryDialect,
        [Parameter(ParameterSetName = 'ClassNameComputerSet')] [Parameter(ParameterSetName = 'QueryComputerSet')] [Alias('CN', 'ServerName')] [string[]]$ComputerName,
        [Parameter(ParameterSetName = 'ClassNameSessionSet', Mandatory)] [Parameter(ParameterSetName = 'QuerySessionSet', Mandatory)] [object[]]$CimSession
    )
    Add-AvbSimCall 'Get-CimInstance' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Get-CimInstance'
    if ($PSBoundParameters.ContainsKey('Filter') -or $PSBoundParameters.ContainsKey('Query')) {
        # WQL is not simulated: avimark-backup filters with Where-Object so no value is ever built into a query.
        throw 'The simulated Get-CimInstance does not evaluate WQL (-Filter/-Query); filter with Where-Object.'
    }
    $state = Update-AvbSimState { param($s) $s }
    Get-SimClassInstances $PSCmdlet $ClassName $state
}

function Invoke-CimMethod {
    [CmdletBinding(DefaultParameterSetName = 'ClassNameComputerSet', SupportsShouldProcess)]
    param(
        [Parameter(ParameterSetName = 'ClassNameComputerSet', Mandatory, Position = 0)]
        [Parameter(ParameterSetName = 'ClassNameSessionSet', Mandatory, Position = 0)] [Alias('Class')] [string]$ClassName,
        [Parameter(ParameterSetName = 'CimInstanceComputerSet', Mandatory, ValueFromPipeline)]
        [Parameter(ParameterSetName = 'CimInstanceSessionSet', Mandatory, ValueFromPipeline)] [Alias('CimInstance')] [object]$InputObject,
        [Parameter(Position = 1)] [System.Collections.IDictionary]$Arguments,
        [Parameter(Mandatory, Position = 2)] [Alias('Name')] [string]$MethodName,
        [string]$Namespace,
        [Alias('OT')] [uint32]$OperationTimeoutSec,
        [Parameter(ParameterSetName = 'ClassNameComputerSet')] [Parameter(ParameterSetName = 'CimInstanceComputerSet')] [Alias('CN', 'ServerName')] [string[]]$ComputerName,
        [Parameter(ParameterSetName = 'ClassNameSessionSet', Mandatory)] [Parameter(ParameterSetName = 'CimInstanceSessionSet', Mandatory)] [object[]]$CimSession
    )
    Add-AvbSimCall 'Invoke-CimMethod' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Invoke-CimMethod'
    if ($ClassName -ne 'Win32_ShadowCopy' -or $MethodName -ne 'Create') {
        throw "The simulated Invoke-CimMethod only implements Win32_ShadowCopy.Create (got $ClassName.$MethodName)."
    }
    $volumeArg = [string]$Arguments['Volume']
    $context = if ($Arguments.Contains('Context')) { [string]$Arguments['Context'] } else { 'ClientAccessible' }
    $plan = Update-AvbSimState {
        param($s)
        $forced = 0
        if ($s.ContainsKey('knobs') -and $null -ne $s.knobs -and $s.knobs.ContainsKey('shadowReturnValue') -and $null -ne $s.knobs.shadowReturnValue) { $forced = [int]$s.knobs.shadowReturnValue }
        if ($forced -ne 0) { return @{ Code = $forced } }
        # Switch knobs.shadowTransientCodes = @(9, 12, ...) (issue 13 §4): each Create call consumes the
        # first code and returns it (9 = another shadow copy operation is already in progress), until empty.
        $transient = @(Get-AvbSimKnob $s 'shadowTransientCodes')
        if ($transient.Count -gt 0 -and $null -ne $transient[0]) {
            $s.knobs.shadowTransientCodes = @($transient | Select-Object -Skip 1)
            return @{ Code = [int]$transient[0] }
        }
        if ($context -ne 'ClientAccessible') { return @{ Code = 5 } }
        $volume = $null
        foreach ($v in @($s.volumes)) {
            if ([string]::Equals($v.Name, $volumeArg, [StringComparison]::OrdinalIgnoreCase) -or [string]::Equals($v.DeviceID, $volumeArg, [StringComparison]::OrdinalIgnoreCase)) { $volume = $v }
        }
        if ($null -eq $volume) { return @{ Code = 3 } }
        if (@('NTFS', 'ReFS') -notcontains $volume.FileSystem -or -not $volume.ShadowDir) { return @{ Code = 4 } }
        $n = 1
        if ($s.ContainsKey('nextShadowNumber') -and $null -ne $s.nextShadowNumber) { $n = [int]$s.nextShadowNumber }
        $s.nextShadowNumber = $n + 1
        return @{ Code = 0; Number = $n; Volume = $volume }
    }
    if ($plan.Code -ne 0) {
        return [pscustomobject]@{ PSTypeName = 'Microsoft.Management.Infrastructure.CimMethodResult#Win32_ShadowCopy#Create'; ReturnValue = [uint32]$plan.Code; ShadowID = $null }
    }
    $device = [System.IO.Path]::Combine([string]$plan.Volume.ShadowDir, "HarddiskVolumeShadowCopy$($plan.Number)")
    $source = ([string]$plan.Volume.Name).TrimEnd('/') + '/.'
    New-Item -ItemType Directory -Path $device -Force | Out-Null
    # A real point-in-time copy (timestamps, modes and hard links kept), like a snapshot of the volume.
    & /bin/cp -a -- $source $device
    if ($LASTEXITCODE -ne 0) {
        return [pscustomobject]@{ PSTypeName = 'Microsoft.Management.Infrastructure.CimMethodResult#Win32_ShadowCopy#Create'; ReturnValue = [uint32]12; ShadowID = $null }
    }
    $id = '{' + [guid]::NewGuid().ToString().ToUpperInvariant() + '}'
    $volumeName = [string]$plan.Volume.DeviceID
    # Switch knobs.shadowLateCompletionSeconds = S (issue 13 §4): Create returns only after S seconds, and
    # the shadow copy exists (listed from then on) even if the caller gave up waiting and killed PowerShell.
    $late = [double](Get-AvbSimKnob (Read-AvbSimState) 'shadowLateCompletionSeconds')
    $entry = [ordered]@{ ID = $id; DeviceObject = $device; VolumeName = $volumeName; InstallDate = [DateTime]::UtcNow.ToString('o') }
    if ($late -gt 0) { $entry.VisibleAfterMs = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() + [long]($late * 1000) }
    Update-AvbSimState {
        param($s)
        $s.shadowCopies = @($s.shadowCopies) + @($entry)
    } | Out-Null
    if ($late -gt 0) { Start-Sleep -Milliseconds ([int]($late * 1000)) }
    [pscustomobject]@{ PSTypeName = 'Microsoft.Management.Infrastructure.CimMethodResult#Win32_ShadowCopy#Create'; ReturnValue = [uint32]0; ShadowID = $id }
}

function Remove-CimInstance {
    [CmdletBinding(DefaultParameterSetName = 'CimInstanceComputerSet', SupportsShouldProcess)]
    param(
        [Parameter(ParameterSetName = 'CimInstanceComputerSet', Mandatory, Position = 0, ValueFromPipeline)]
        [Parameter(ParameterSetName = 'CimInstanceSessionSet', Mandatory, Position = 0, ValueFromPipeline)] [Alias('CimInstance')] [object]$InputObject,
        [Parameter(ParameterSetName = 'QueryComputerSet', Mandatory, Position = 0)] [Parameter(ParameterSetName = 'QuerySessionSet', Mandatory, Position = 0)] [string]$Query,
        [Parameter(ParameterSetName = 'QueryComputerSet')] [Parameter(ParameterSetName = 'QuerySessionSet')] [string]$QueryDialect,
        [Parameter(ParameterSetName = 'QueryComputerSet')] [Parameter(ParameterSetName = 'QuerySessionSet')] [string]$Namespace,
        [Alias('OT')] [uint32]$OperationTimeoutSec,
        [Parameter(ParameterSetName = 'CimInstanceComputerSet')] [Parameter(ParameterSetName = 'QueryComputerSet')] [Alias('CN', 'ServerName')] [string[]]$ComputerName,
        [Parameter(ParameterSetName = 'CimInstanceSessionSet', Mandatory)] [Parameter(ParameterSetName = 'QuerySessionSet', Mandatory)] [object[]]$CimSession
    )
    process {
        Add-AvbSimCall 'Remove-CimInstance' $PSBoundParameters
        # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
        if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
        Invoke-AvbSimHang 'Remove-CimInstance'
        if ($PSCmdlet.ParameterSetName -like 'Query*') { throw 'The simulated Remove-CimInstance does not evaluate WQL.' }
        if ($InputObject.CimClassName -ne 'Win32_ShadowCopy') { throw "The simulated Remove-CimInstance only removes Win32_ShadowCopy instances." }
        $id = [string]$InputObject.ID
        $removed = Update-AvbSimState {
            param($s)
            $victim = @($s.shadowCopies) | Where-Object { $_.ID -eq $id } | Select-Object -First 1
            if ($null -eq $victim) { return $null }
            $s.shadowCopies = @(@($s.shadowCopies) | Where-Object { $_.ID -ne $id })
            return $victim
        }
        if ($null -eq $removed) {
            $PSCmdlet.WriteError((New-AvbSimNotFound -ErrorId 'HRESULT 0x80041002' -TargetName $id -Message 'Not found '))
            return
        }
        Remove-Item -LiteralPath $removed.DeviceObject -Recurse -Force
    }
}
