# Checks that every command and parameter the given scripts use exists with that signature in the
# session (run with the simulator's PSModulePath/PATH: simulated cmdlets, or real ones where pwsh has
# them). Walks the scripts' AST; writes a JSON array of problems (empty = all good).
param([Parameter(Mandatory, ValueFromRemainingArguments)] [string[]]$Path)
$ErrorActionPreference = 'Stop'
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
$problems = [System.Collections.Generic.List[object]]::new()
# Real parameters that exist only in Windows builds of PowerShell (absent from pwsh on Linux), used
# only behind a platform check.
$windowsOnly = @{ 'New-Object' = @('ComObject') }
# The scripts are loaded into one session: a function defined in one may be called from another.
$defined = @(foreach ($file in $Path) {
        [System.Management.Automation.Language.Parser]::ParseFile($file, [ref]$null, [ref]$null).FindAll(
            { param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true) | ForEach-Object { $_.Name }
    })

foreach ($file in $Path) {
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($file, [ref]$tokens, [ref]$errors)
    foreach ($e in $errors) { $problems.Add([ordered]@{ file = $file; line = $e.Extent.StartLineNumber; problem = "parse error: $($e.Message)" }) }
    # Hashtables assigned to variables, for splatting: $params = @{...}; $params.Key = ...
    $splats = @{}
    foreach ($assign in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true)) {
        $left = $assign.Left
        if ($left -is [System.Management.Automation.Language.VariableExpressionAst]) {
            $hash = $assign.Right.Find({ param($n) $n -is [System.Management.Automation.Language.HashtableAst] }, $true)
            if ($null -ne $hash) {
                $name = $left.VariablePath.UserPath
                if (-not $splats.ContainsKey($name)) { $splats[$name] = [System.Collections.Generic.List[string]]::new() }
                foreach ($pair in $hash.KeyValuePairs) { $splats[$name].Add([string]$pair.Item1.Value) }
            }
        } elseif ($left -is [System.Management.Automation.Language.MemberExpressionAst] -and $left.Expression -is [System.Management.Automation.Language.VariableExpressionAst]) {
            $name = $left.Expression.VariablePath.UserPath
            if ($splats.ContainsKey($name)) { $splats[$name].Add([string]$left.Member.Value) }
        }
    }
    foreach ($cmdAst in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
        $name = $cmdAst.GetCommandName()
        $line = $cmdAst.Extent.StartLineNumber
        if ([string]::IsNullOrEmpty($name) -or $defined -contains $name) { continue }
        $cmd = Get-Command -Name $name -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($null -eq $cmd) { $problems.Add([ordered]@{ file = $file; line = $line; command = $name; problem = 'command not found' }); continue }
        if ($cmd.CommandType -eq 'Application') { continue }
        $used = [System.Collections.Generic.List[string]]::new()
        foreach ($el in $cmdAst.CommandElements) {
            if ($el -is [System.Management.Automation.Language.CommandParameterAst]) { $used.Add($el.ParameterName) }
            if ($el -is [System.Management.Automation.Language.VariableExpressionAst] -and $el.Splatted) {
                $var = $el.VariablePath.UserPath
                if ($splats.ContainsKey($var)) { foreach ($k in $splats[$var]) { $used.Add($k) } }
                else { $problems.Add([ordered]@{ file = $file; line = $line; command = $name; problem = "splatted `$$var is not a hashtable literal the check can read" }) }
            }
        }
        $resolved = [System.Collections.Generic.List[string]]::new()
        foreach ($p in $used) {
            if ($common -contains $p) { continue }
            if ($windowsOnly.ContainsKey($name) -and $windowsOnly[$name] -contains $p) { continue }
            $match = $cmd.Parameters.Values | Where-Object { $_.Name -eq $p -or $_.Aliases -contains $p }
            if ($null -eq $match) { $problems.Add([ordered]@{ file = $file; line = $line; command = $name; problem = "no parameter -$p" }); continue }
            $resolved.Add(@($match)[0].Name)
        }
        if ($resolved.Count -gt 0) {
            $sets = @($cmd.ParameterSets | Where-Object {
                    $setParams = @($_.Parameters | ForEach-Object { $_.Name })
                    @($resolved | Where-Object { $setParams -notcontains $_ }).Count -eq 0 })
            if ($sets.Count -eq 0) { $problems.Add([ordered]@{ file = $file; line = $line; command = $name; problem = "no parameter set takes -$($resolved -join ', -') together" }) }
        }
    }
}
ConvertTo-Json -InputObject @($problems) -Depth 5 -Compress
