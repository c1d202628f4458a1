# avimark-backup host operations: the Application event log.
# Loaded into the one PowerShell process together with Host.ps1 (which holds the allow-list of operations and
# calls these functions); defines functions only. Values arrive as decoded JSON data and are passed as parameter
# values, never made into code. Runs on Windows PowerShell 5.1 and PowerShell 7.

# Windows PowerShell 5.1 has Write-EventLog; PowerShell 7 removed it, so use System.Diagnostics.EventLog.
function Invoke-AvbWriteEvent($a) {
    $source = [string]$a.source
    $message = [string]$a.message
    $eventId = [int]$a.eventId
    $level = [string]$a.level
    if (@('Information', 'Warning', 'Error') -notcontains $level) { throw "Unknown event level '$level'." }
    if (Get-Command -Name Write-EventLog -ErrorAction SilentlyContinue) {
        try {
            Write-EventLog -LogName Application -Source $source -EventId $eventId -EntryType $level -Message $message
        } catch {
            $first = $_
            # Most likely the source is not registered yet (needs elevation once).
            try { New-EventLog -LogName Application -Source $source } catch { throw $first }
            Write-EventLog -LogName Application -Source $source -EventId $eventId -EntryType $level -Message $message
        }
    } else {
        if (-not [System.Diagnostics.EventLog]::SourceExists($source)) { [System.Diagnostics.EventLog]::CreateEventSource($source, 'Application') }
        [System.Diagnostics.EventLog]::WriteEntry($source, $message, [System.Diagnostics.EventLogEntryType]$level, $eventId)
    }
}
