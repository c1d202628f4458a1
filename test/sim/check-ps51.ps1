# Windows PowerShell 5.1 compatibility: reports syntax and parameters that exist only in PowerShell 7
# (??, ??=, ?., ternary, && / ||, ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable,
# ConvertTo-Json -EnumsAsStrings, clean blocks). Writes a JSON array of problems (empty = all good).
param([Parameter(Mandatory, ValueFromRemainingArguments)] [string[]]$Path)
$ErrorActionPreference = 'Stop'
$L = 'System.Management.Automation.Language'
$problems = [System.Collections.Generic.List[object]]::new()
$sevenOnlyParameters = @{ 'ForEach-Object' = @('Parallel', 'ThrottleLimit', 'AsJob'); 'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate'); 'ConvertTo-Json' = @('EnumsAsStrings', 'AsArray', 'EscapeHandling') }
foreach ($file in $Path) {
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($file, [ref]$null, [ref]$null)
    $add = { param($node, $what) $problems.Add([ordered]@{ file = $file; line = $node.Extent.StartLineNumber; problem = $what; text = $node.Extent.Text.Substring(0, [Math]::Min(60, $node.Extent.Text.Length)) }) }
    foreach ($n in $ast.FindAll({ $true }, $true)) {
        $type = $n.GetType().Name
        if ($type -eq 'TernaryExpressionAst') { & $add $n 'ternary operator (7 only)' }
        elseif ($type -eq 'PipelineChainAst') { & $add $n '&& / || (7 only)' }
        elseif ($type -eq 'BinaryExpressionAst' -and "$($n.Operator)" -eq 'QuestionQuestion') { & $add $n '?? (7 only)' }
        elseif ($type -eq 'AssignmentStatementAst' -and "$($n.Operator)" -eq 'QuestionQuestionEquals') { & $add $n '??= (7 only)' }
        elseif (($type -eq 'MemberExpressionAst' -or $type -eq 'InvokeMemberExpressionAst' -or $type -eq 'IndexExpressionAst') -and $n.NullConditional) { & $add $n '?. / ?[] (7 only)' }
        elseif ($type -eq 'CommandAst') {
            $name = $n.GetCommandName()
            if ($name -and $sevenOnlyParameters.ContainsKey($name)) {
                foreach ($p in $n.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    if ($sevenOnlyParameters[$name] -contains $p.ParameterName) { & $add $n "$name -$($p.ParameterName) (7 only)" }
                }
            }
        }
    }
}
ConvertTo-Json -InputObject @($problems) -Depth 5 -Compress
