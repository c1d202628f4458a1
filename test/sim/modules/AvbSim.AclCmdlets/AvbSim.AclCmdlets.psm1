# Simulated Get-Acl / Set-Acl. Only the access list (the DACL, as SDDL) is modelled: state.acls maps a full
# path to its "D:..." string; AreAccessRulesProtected and GetAccessRules(explicit, inherited, [SecurityIdentifier])
# are read from it. A path never set has the access list Windows gives a new item under
# %ProgramData%: inherited SYSTEM and Administrators full control, Users read and execute, and (folders)
# Users may create files and folders.
Set-StrictMode -Version 3.0

$script:DefaultFolderDacl = 'D:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)(A;CIID;DCLCRPCR;;;BU)'
$script:DefaultFileDacl = 'D:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)'

function Resolve-SimAclPath([string[]]$Path, [string[]]$LiteralPath, $Cmdlet) {
    $items = if ($LiteralPath) { $LiteralPath } else { $Path }
    foreach ($p in $items) {
        # A plain absolute literal path that exists: answered by .NET at once (Test-Path costs milliseconds a path).
        if ($LiteralPath -and [System.IO.Path]::IsPathRooted($p) -and -not $p.Contains('::') -and ([System.IO.File]::Exists($p) -or [System.IO.Directory]::Exists($p))) {
            [System.IO.Path]::GetFullPath($p)
            continue
        }
        if (-not (Test-Path -LiteralPath $p)) {
            $exception = [System.Management.Automation.ItemNotFoundException]::new("Cannot find path '$p' because it does not exist.")
            $Cmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($exception, 'GetAcl_PathNotFound_Exception', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $p))
        }
        (Resolve-Path -LiteralPath $p).ProviderPath
    }
}

# The members of a simulated access list object, declared once for its type name (adding them object by object
# costs milliseconds each: a capture of a whole folder tree would crawl).
$script:SimAclType = 'AvbSim.FileSystemSecurity'
Update-TypeData -Force -TypeName $script:SimAclType -MemberType ScriptProperty -MemberName Sddl -Value { $this.Dacl }
# "D:P..." : the list is protected from inheritance (its flags before the first ACE hold a P).
Update-TypeData -Force -TypeName $script:SimAclType -MemberType ScriptProperty -MemberName AreAccessRulesProtected -Value {
    ([regex]::Match($this.Dacl, '^D:([A-Z]*)').Groups[1].Value) -match 'P'
}
# The ACEs as rules: IsInherited when the ACE's flags hold ID. Only the SID form of identities is modelled.
Update-TypeData -Force -TypeName $script:SimAclType -MemberType ScriptMethod -MemberName GetAccessRules -Value {
    param([bool]$IncludeExplicit, [bool]$IncludeInherited, $TargetType)
    if ("$TargetType" -ne 'System.Security.Principal.SecurityIdentifier') { throw "simulated Get-Acl only models rules by SecurityIdentifier (asked for '$TargetType')" }
    foreach ($m in [regex]::Matches($this.Dacl, '\(([^()]+)\)')) {
        $parts = $m.Groups[1].Value.Split(';')
        $inherited = $parts[1] -match 'ID'
        if (($inherited -and $IncludeInherited) -or (-not $inherited -and $IncludeExplicit)) {
            [pscustomobject]@{ AccessControlType = $parts[0]; IsInherited = $inherited; Rights = $parts[2]; IdentityReference = $parts[5] }
        }
    }
}
Update-TypeData -Force -TypeName $script:SimAclType -MemberType ScriptMethod -MemberName GetSecurityDescriptorSddlForm -Value {
    param($IncludeSections)
    if ([string]$IncludeSections -ne 'Access') { throw "simulated Get-Acl only models the 'Access' section (asked for '$IncludeSections')" }
    $this.Dacl
}
Update-TypeData -Force -TypeName $script:SimAclType -MemberType ScriptMethod -MemberName SetSecurityDescriptorSddlForm -Value {
    param([string]$SddlForm, $IncludeSections)
    if ([string]$IncludeSections -ne 'Access') { throw "simulated Get-Acl only models the 'Access' section (asked for '$IncludeSections')" }
    if ($SddlForm -notmatch '^D:[A-Z]*(\([^()]+\))+$') { throw [System.ArgumentException]::new('The SDDL form of a security descriptor object is invalid.') }
    $this.Dacl = $SddlForm
}

function New-SimAcl([string]$Path, [string]$Dacl) {
    [pscustomobject]@{ PSTypeName = $script:SimAclType; Path = $Path; Dacl = $Dacl }
}

function Get-Acl {
    [CmdletBinding(DefaultParameterSetName = 'ByPath')]
    param(
        [Parameter(ParameterSetName = 'ByPath', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)] [string[]]$Path,
        [Parameter(ParameterSetName = 'ByLiteralPath', Mandatory = $true, ValueFromPipelineByPropertyName = $true)] [Alias('PSPath', 'LP')] [string[]]$LiteralPath,
        [switch]$Audit,
        [string]$Filter,
        [string[]]$Include,
        [string[]]$Exclude
    )
    Add-AvbSimCall 'Get-Acl' $PSBoundParameters
    $state = Read-AvbSimState
    foreach ($full in (Resolve-SimAclPath $Path $LiteralPath $PSCmdlet)) {
        $dacl = $null
        if ($state.ContainsKey('acls') -and $null -ne $state.acls -and $state.acls.ContainsKey($full)) { $dacl = [string]$state.acls[$full] }
        elseif ([System.IO.Directory]::Exists($full)) { $dacl = $script:DefaultFolderDacl }
        else { $dacl = $script:DefaultFileDacl }
        New-SimAcl $full $dacl
    }
}

function Set-Acl {
    [CmdletBinding(DefaultParameterSetName = 'ByPath', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'ByPath', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)] [string[]]$Path,
        [Parameter(ParameterSetName = 'ByLiteralPath', Mandatory = $true, ValueFromPipelineByPropertyName = $true)] [Alias('PSPath', 'LP')] [string[]]$LiteralPath,
        [Parameter(Mandatory = $true, Position = 1, ValueFromPipeline = $true)] [object]$AclObject,
        [switch]$ClearCentralAccessPolicy,
        [switch]$Passthru,
        [string]$Filter,
        [string[]]$Include,
        [string[]]$Exclude
    )
    $bound = [ordered]@{}
    foreach ($key in $PSBoundParameters.Keys) { $bound[$key] = $PSBoundParameters[$key] }
    $bound['AclObject'] = $AclObject.GetSecurityDescriptorSddlForm('Access')
    Add-AvbSimCall 'Set-Acl' $bound
    foreach ($full in (Resolve-SimAclPath $Path $LiteralPath $PSCmdlet)) {
        if (-not $PSCmdlet.ShouldProcess($full, 'Set-Acl')) { continue }
        $dacl = $AclObject.GetSecurityDescriptorSddlForm('Access')
        Update-AvbSimState {
            param($s)
            # Knob: a file system that accepts the call but keeps its old list (what a read-back must catch).
            if ($s.knobs.ContainsKey('aclIgnored') -and $s.knobs.aclIgnored) { return }
            if (-not $s.ContainsKey('acls') -or $null -eq $s.acls) { $s.acls = @{} }
            $s.acls[$full] = $dacl
        } | Out-Null
        if ($Passthru) { New-SimAcl $full $dacl }
    }
}
