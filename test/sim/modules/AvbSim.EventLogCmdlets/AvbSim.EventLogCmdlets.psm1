# Simulated New-EventLog / Write-EventLog (Windows PowerShell 5.1 signatures). Writing under a source
# that is not registered fails like the real cmdlet; New-EventLog for a registered source fails too.
Set-StrictMode -Version 3.0

function Find-SimSource([hashtable]$State, [string]$Source) {
    foreach ($s in @($State.eventSources)) { if ([string]::Equals($s.Source, $Source, [StringComparison]::OrdinalIgnoreCase)) { return $s } }
    return $null
}

function New-EventLog {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [Alias('LN')] [string]$LogName,
        [Parameter(Mandatory, Position = 1)] [Alias('SRC')] [string[]]$Source,
        [Parameter(Position = 2)] [Alias('CN')] [string[]]$ComputerName,
        [Alias('CRF')] [string]$CategoryResourceFile,
        [Alias('MRF')] [string]$MessageResourceFile,
        [Alias('PRF')] [string]$ParameterResourceFile
    )
    Add-AvbSimCall 'New-EventLog' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    foreach ($src in $Source) {
        $added = Update-AvbSimState {
            param($s)
            if ($null -ne (Find-SimSource $s $src)) { return $false }
            $s.eventSources = @($s.eventSources) + @([ordered]@{ Source = $src; LogName = $LogName })
            return $true
        }
        if (-not $added) {
            $exception = [System.InvalidOperationException]::new("The `"$src`" source is already registered on the `"localhost`" computer.")
            $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new($exception, 'Microsoft.PowerShell.Commands.NewEventLogCommand', [System.Management.Automation.ErrorCategory]::InvalidOperation, $src))
        }
    }
}

function Write-EventLog {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [Alias('LN')] [string]$LogName,
        [Parameter(Mandatory, Position = 1)] [Alias('SRC')] [string]$Source,
        [Parameter(Position = 3)] [Alias('ET')] [ValidateSet('Error', 'Information', 'FailureAudit', 'SuccessAudit', 'Warning')] [string]$EntryType = 'Information',
        [int16]$Category,
        [Parameter(Mandatory, Position = 2)] [Alias('ID', 'EID')] [ValidateRange(0, 65535)] [int]$EventId,
        [Parameter(Mandatory, Position = 4)] [Alias('MSG')] [string]$Message,
        [Alias('RD')] [byte[]]$RawData,
        [Alias('CN')] [string]$ComputerName
    )
    Add-AvbSimCall 'Write-EventLog' $PSBoundParameters
    # Like a compiled cmdlet, honour the CALLER's $ErrorActionPreference (script-module functions do not by default).
    if (-not $PSBoundParameters.ContainsKey('ErrorAction')) { $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference') }
    $written = Update-AvbSimState {
        param($s)
        $src = Find-SimSource $s $Source
        if ($null -eq $src -or $src.LogName -ne $LogName) { return $false }
        $s.events = @($s.events) + @([ordered]@{ LogName = $LogName; Source = $Source; EntryType = $EntryType; EventId = $EventId; Message = $Message; TimeWritten = [DateTime]::UtcNow.ToString('o') })
        return $true
    }
    if (-not $written) {
        $exception = [System.InvalidOperationException]::new("The source name `"$Source`" does not exist on computer `"localhost`".")
        $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new($exception, 'Microsoft.PowerShell.Commands.WriteEventLogCommand', [System.Management.Automation.ErrorCategory]::InvalidOperation, $Source))
    }
}
