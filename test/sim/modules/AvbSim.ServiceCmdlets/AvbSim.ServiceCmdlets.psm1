# Simulated service cmdlets. Objects look like System.ServiceProcess.ServiceController: Status and
# StartType are enums, which serialise as integers (ServiceControllerStatus, ServiceStartMode). A
# delayed-auto-start service has StartType Automatic (as in .NET); the delay flag is Win32_Service's
# DelayedAutoStart (see the CimCmdlets simulation). Set-Service -StartupType Automatic does not clear
# the delay flag (only AutomaticDelayedStart sets it, only sc.exe "start= auto" clears it) — the
# product must verify what it set.
Set-StrictMode -Version 3.0

$script:Statuses = @{ Stopped = 1; StartPending = 2; StopPending = 3; Running = 4; ContinuePending = 5; PausePending = 6; Paused = 7 }
$script:StartModes = @{ Boot = 0; System = 1; Automatic = 2; Manual = 3; Disabled = 4 }

function ConvertTo-SimService([hashtable]$s) {
    [pscustomobject]@{
        PSTypeName  = 'AvbSim.ServiceController'
        Name        = $s.Name
        ServiceName = $s.Name
        DisplayName = $s.DisplayName
        Status      = [int]$script:Statuses[[string]$s.Status]
        StartType   = [int]$script:StartModes[[string]$s.StartType]
        MachineName = '.'
        CanStop     = ($s.Status -eq 'Running')
    }
}

function Find-SimService([hashtable]$State, [string]$Name) {
    foreach ($s in @($State.services)) { if ([string]::Equals($s.Name, $Name, [StringComparison]::OrdinalIgnoreCase)) { return $s } }
    return $null
}

function Write-SimServiceNotFound([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$Name, [string]$CommandType) {
    $Cmdlet.WriteError((New-AvbSimNotFound -ErrorId "NoServiceFoundForGivenName" -TargetName $Name `
        -Message "Cannot find any service with service name '$Name'."))
}

function Get-Service {
    [CmdletBinding(DefaultParameterSetName = 'Default')]
    param(
        [Parameter(ParameterSetName = 'Default', Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)] [Alias('ServiceName')] [string[]]$Name,
        [Alias('DS')] [switch]$DependentServices,
        [Alias('SDO', 'ServicesDependedOn')] [switch]$RequiredServices,
        [Parameter(ParameterSetName = 'DisplayName', Mandatory)] [string[]]$DisplayName,
        [string[]]$Include,
        [string[]]$Exclude,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline)] [object[]]$InputObject
    )
    Add-AvbSimCall 'Get-Service' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Get-Service'
    $state = Update-AvbSimState { param($s) $s }
    if ($Name) {
        foreach ($n in $Name) {
            $svc = Find-SimService $state $n
            if ($null -eq $svc) { Write-SimServiceNotFound $PSCmdlet $n } else { ConvertTo-SimService $svc }
        }
    } else {
        foreach ($svc in @($state.services)) { ConvertTo-SimService $svc }
    }
}

function Stop-Service {
    [CmdletBinding(DefaultParameterSetName = 'InputObject', SupportsShouldProcess)]
    param(
        [Parameter(ParameterSetName = 'InputObject', Mandatory, Position = 0, ValueFromPipeline)] [object[]]$InputObject,
        [Parameter(ParameterSetName = 'Default', Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)] [Alias('ServiceName')] [string[]]$Name,
        [Parameter(ParameterSetName = 'DisplayName', Mandatory)] [string[]]$DisplayName,
        [switch]$Force,
        [switch]$NoWait,
        [switch]$PassThru,
        [string[]]$Include,
        [string[]]$Exclude
    )
    Add-AvbSimCall 'Stop-Service' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Stop-Service'
    $names = if ($PSCmdlet.ParameterSetName -eq 'InputObject') { @($InputObject | ForEach-Object { $_.Name }) } else { $Name }
    foreach ($n in $names) {
        $found = Update-AvbSimState {
            param($s)
            $svc = Find-SimService $s $n
            if ($null -eq $svc) { return $false }
            if ($svc.Status -ne 'Stopped') {
                $svc.Status = 'StopPending'
                $svc.StopRequestedAt = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
            }
            return $true
        }
        if (-not $found) { Write-SimServiceNotFound $PSCmdlet $n; continue }
        if (-not $NoWait) {
            # The real cmdlet waits (warning every 2 s) until the service stops, however long that takes.
            while ((Find-SimService (Update-AvbSimState { param($s) $s }) $n).Status -ne 'Stopped') {
                Write-Warning "Waiting for service '$n' to stop..."
                Start-Sleep -Milliseconds 100
            }
        }
        if ($PassThru) { ConvertTo-SimService (Find-SimService (Read-AvbSimState) $n) }
    }
}

function Start-Service {
    [CmdletBinding(DefaultParameterSetName = 'InputObject', SupportsShouldProcess)]
    param(
        [Parameter(ParameterSetName = 'InputObject', Mandatory, Position = 0, ValueFromPipeline)] [object[]]$InputObject,
        [Parameter(ParameterSetName = 'Default', Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)] [Alias('ServiceName')] [string[]]$Name,
        [Parameter(ParameterSetName = 'DisplayName', Mandatory)] [string[]]$DisplayName,
        [switch]$PassThru,
        [string[]]$Include,
        [string[]]$Exclude
    )
    Add-AvbSimCall 'Start-Service' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Start-Service'
    $names = if ($PSCmdlet.ParameterSetName -eq 'InputObject') { @($InputObject | ForEach-Object { $_.Name }) } else { $Name }
    foreach ($n in $names) {
        $outcome = Update-AvbSimState {
            param($s)
            $svc = Find-SimService $s $n
            if ($null -eq $svc) { return 'missing' }
            if ($svc.Status -eq 'Running') { return 'ok' }
            if ($svc.StartType -eq 'Disabled' -or $svc.RefusesStart) { return 'refused' }
            # Switch knobs.startServiceOnPendingFails (issue 13 §3): the service manager answers
            # ERROR_SERVICE_ALREADY_RUNNING (1056) to StartService on a service that is not Stopped.
            if ($svc.Status -ne 'Stopped' -and (Get-AvbSimKnob $s 'startServiceOnPendingFails')) { return 'pending' }
            $svc.Status = 'Running'
            return 'ok'
        }
        if ($outcome -eq 'missing') { Write-SimServiceNotFound $PSCmdlet $n; continue }
        if ($outcome -eq 'pending') {
            # PowerShell's DoStartService ignores 1056, then waits 2 s for Running while the service is
            # StartPending; any other state (StopPending, or Stopped by then) is a non-terminating
            # StartServiceFailed error, and the service is NOT started (PowerShell/PowerShell
            # Microsoft.PowerShell.Commands.Management/commands/management/Service.cs, ServiceResources.resx).
            Start-Sleep -Seconds 2
            $svc = Find-SimService (Update-AvbSimState { param($s) $s }) $n
            if ($svc.Status -eq 'Running') { if ($PassThru) { ConvertTo-SimService $svc }; continue }
            # Windows: a ServiceCommandException (absent from pwsh on Linux).
            $exception = [System.InvalidOperationException]::new("Failed to start service '$($svc.DisplayName) ($n)'.")
            $record = [System.Management.Automation.ErrorRecord]::new($exception, 'StartServiceFailed', [System.Management.Automation.ErrorCategory]::OpenError, $n)
            $PSCmdlet.WriteError($record)
            continue
        }
        if ($outcome -eq 'refused') {
            $exception = [System.InvalidOperationException]::new("Service '$n ($n)' cannot be started due to the following error: Cannot start service '$n' on computer '.'.")
            $record = [System.Management.Automation.ErrorRecord]::new($exception, 'CouldNotStartService', [System.Management.Automation.ErrorCategory]::OpenError, $n)
            $PSCmdlet.WriteError($record)
            continue
        }
        if ($PassThru) { ConvertTo-SimService (Find-SimService (Read-AvbSimState) $n) }
    }
}

function Set-Service {
    [CmdletBinding(DefaultParameterSetName = 'Name', SupportsShouldProcess)]
    param(
        [Parameter(ParameterSetName = 'Name', Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)] [Alias('ServiceName', 'SN')] [string]$Name,
        [Parameter(ParameterSetName = 'InputObject', Mandatory, Position = 0, ValueFromPipeline)] [object]$InputObject,
        [Alias('DN')] [string]$DisplayName,
        [pscredential]$Credential,
        [string]$Description,
        [Alias('StartMode', 'SM', 'ST', 'StartType')]
        [ValidateSet('Boot', 'System', 'Automatic', 'Manual', 'Disabled', 'AutomaticDelayedStart')] [string]$StartupType,
        [string]$SecurityDescriptorSddl,
        [ValidateSet('Running', 'Stopped', 'Paused')] [string]$Status,
        [switch]$Force,
        [switch]$PassThru
    )
    Add-AvbSimCall 'Set-Service' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    Invoke-AvbSimHang 'Set-Service'
    $n = if ($PSCmdlet.ParameterSetName -eq 'InputObject') { $InputObject.Name } else { $Name }
    $bound = $PSBoundParameters
    $found = Update-AvbSimState {
        param($s)
        $svc = Find-SimService $s $n
        if ($null -eq $svc) { return $false }
        if ($bound.ContainsKey('StartupType')) {
            if ($StartupType -eq 'AutomaticDelayedStart') { $svc.StartType = 'Automatic'; $svc.DelayedAutoStart = $true }
            else { $svc.StartType = $StartupType }
        }
        if ($bound.ContainsKey('DisplayName')) { $svc.DisplayName = $DisplayName }
        return $true
    }
    if (-not $found) {
        $PSCmdlet.WriteError((New-AvbSimNotFound -ErrorId 'ServiceNotFound' -TargetName $n -Message "Service '$n' was not found on computer '.'."))
        return
    }
    if ($PassThru) { ConvertTo-SimService (Find-SimService (Read-AvbSimState) $n) }
}
