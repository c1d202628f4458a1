import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/pwsh';
import { pwshJson } from '../../helpers/run-pwsh';
import { treeHashes } from '../../helpers/tree-hash';
import { cli, cliBundle, type Fixture, fixture, randomText } from './harness';

/** The offsite cmdlets of the AvimarkBackup module, through real pwsh, the real CLI and real restic. */

const ID = '2026-11-25_020000';
let fx: Fixture;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  fx = await fixture([{ id: ID, files: { 'CLIENT.V2$': randomText(200_000), 'sub/ANIMAL.V2$': 'a' } }]);
  expect((await cli(['offsite', 'init', '--config', fx.configFile])).code).toBe(0);
  env = {
    AVB_MANIFEST: path.join(repoRoot, 'ps', 'AvimarkBackup', 'AvimarkBackup.psd1'),
    AVIMARK_BACKUP_EXE: await cliBundle(),
    AVIMARK_BACKUP_CONFIG: fx.configFile,
  };
});
afterAll(async () => fx.cleanup());

const importModule = 'Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop';

describe('offsite cmdlets', { timeout: 240_000 }, () => {
  it('-WhatIf pushes nothing; then push, list and restore', async () => {
    const target = path.join(fx.dir, 'restored by ps');
    const result = await pwshJson<{
      whatIf: number;
      pushed: { snapshotId: string; resticSnapshotId: string; bytesAdded: number };
      copies: { snapshotId: string; resticSnapshotId: string }[];
      whatIfRestore: boolean;
      restored: { files: number };
      status: { alert: string | null };
    }>(
      `${importModule}
       $w = @(Invoke-AvimarkOffsitePush -WhatIf)
       $before = @(Get-AvimarkOffsiteSnapshot)
       $p = Invoke-AvimarkOffsitePush -Id ${ID}
       $copies = @(Get-AvimarkOffsiteSnapshot -Id '2026-11-*')
       $copies | Restore-AvimarkOffsiteSnapshot -Destination $env:TARGET -WhatIf
       $whatIfRestore = Test-Path -LiteralPath $env:TARGET
       $r = Get-AvimarkOffsiteSnapshot | Restore-AvimarkOffsiteSnapshot -Destination $env:TARGET -Confirm:$false
       [pscustomobject]@{ whatIf = $w.Count + $before.Count; pushed = $p; copies = $copies
         whatIfRestore = $whatIfRestore; restored = $r; status = (Get-AvimarkOffsiteSnapshot -Status) } | ConvertTo-Json -Depth 5`,
      { ...env, TARGET: target },
    );
    expect(result.whatIf).toBe(0);
    expect(result.pushed.snapshotId).toBe(ID);
    expect(result.pushed.resticSnapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.copies.map((c) => c.snapshotId)).toEqual([ID]);
    expect(result.whatIfRestore).toBe(false);
    expect(result.restored.files).toBe(2);
    expect(result.status.alert).toBeNull();
    expect(await treeHashes(target)).toEqual(await treeHashes(path.join(fx.dest, 'snapshots', ID)));
  });

  it('pipeline input: a snapshot that fails is one non-terminating error naming it, and the next one still runs', async () => {
    const result = await pwshJson<{ pushed: string[]; errors: string[]; afterwards: boolean }>(
      `${importModule}
       $errs = $null
       $p = @(([pscustomobject]@{ snapshotId = '2026-01-01_000000' }), ([pscustomobject]@{ snapshotId = '${ID}' }) | Invoke-AvimarkOffsitePush -ErrorVariable errs -ErrorAction SilentlyContinue)
       [pscustomobject]@{ pushed = @($p | ForEach-Object { $_.snapshotId }); errors = @($errs | ForEach-Object { $_.Exception.Message })
         afterwards = $true } | ConvertTo-Json -Depth 5`,
      env,
    );
    expect(result.pushed).toEqual([ID]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toContain('2026-01-01_000000');
    expect(result.afterwards).toBe(true);
  });
});
