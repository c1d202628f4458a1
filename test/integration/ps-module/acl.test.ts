import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/cli';
import { repoRoot } from '../../helpers/pwsh';
import { pwshJson, runPwsh } from '../../helpers/run-pwsh';

/**
 * Set-AvimarkBackupAcl against the simulated Get-Acl/Set-Acl (test/sim/modules/AvbSim.AclCmdlets) and the
 * real bundled CLI (it asks `status --json` for the state folder and the destination).
 */

const manifest = path.join(repoRoot, 'ps', 'AvimarkBackup', 'AvimarkBackup.psd1');
const bundle = path.join(repoRoot, 'dist', 'avimark-backup.cjs');
const FOLDER = 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)';
const FILE = 'D:PAI(A;;FA;;;SY)(A;;FA;;;BA)';

interface SimState {
  acls?: Record<string, string>;
  calls: Array<{ Command: string; Parameters: Record<string, unknown> }>;
  knobs?: Record<string, unknown>;
}

let dir: string;
let cleanup: () => Promise<void>;
let configPath: string;
let stateDir: string;
let store: string;
let simState: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-acl-'));
  // Names that must reach Set-Acl as data: brackets are wildcards to -Path, quotes and $ end strings.
  stateDir = path.join(dir, "state [1] $x 'q'");
  store = path.join(dir, 'store');
  await mkdir(stateDir, { recursive: true });
  await mkdir(store);
  await mkdir(path.join(dir, 'AVImark'));
  configPath = path.join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify({ source: path.join(dir, 'AVImark'), destination: store, stateDir }));
  simState = path.join(dir, 'sim.json');
  await writeFile(simState, JSON.stringify({ calls: [] }));
});
afterEach(async () => cleanup());

const env = (): NodeJS.ProcessEnv => ({
  AVB_MANIFEST: manifest,
  AVIMARK_BACKUP_EXE: bundle,
  AVIMARK_BACKUP_CONFIG: configPath,
  AVIMARK_SIM_STATE: simState,
});
const run = <T>(script: string): Promise<T> =>
  pwshJson<T>(`Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop\n${script}`, env());
const sim = async (): Promise<SimState> => JSON.parse(await readFile(simState, 'utf8')) as SimState;

describe('Set-AvimarkBackupAcl (simulated Get-Acl/Set-Acl)', { timeout: 120_000 }, () => {
  it('leaves only SYSTEM and Administrators on the config file and the state folder the CLI reports, and reads them back', async () => {
    const out = await run<Array<{ Path: string; Sddl: string }>>(
      '@(Set-AvimarkBackupAcl -Confirm:$false) | ConvertTo-Json -Depth 3',
    );
    expect(out).toEqual([
      { Path: configPath, Sddl: FILE },
      { Path: stateDir, Sddl: FOLDER },
    ]);
    const s = await sim();
    expect(s.acls).toEqual({ [configPath]: FILE, [stateDir]: FOLDER });
    const sets = s.calls.filter((c) => c.Command === 'Set-Acl');
    expect(sets.map((c) => c.Parameters.LiteralPath)).toEqual([[configPath], [stateDir]]);
    expect(sets.every((c) => !('Path' in c.Parameters))).toBe(true);
  });

  it('also restricts the store with -IncludeDestination and extra files with -Path', async () => {
    const password = path.join(dir, 'smtp-password.txt');
    await writeFile(password, 'secret');
    const out = await run<Array<{ Path: string }>>(
      `@(Set-AvimarkBackupAcl -IncludeDestination -Path '${password}' -Confirm:$false) | ConvertTo-Json -Depth 3`,
    );
    expect(out.map((o) => o.Path)).toEqual([configPath, stateDir, store, password]);
    expect((await sim()).acls).toEqual({ [configPath]: FILE, [stateDir]: FOLDER, [store]: FOLDER, [password]: FILE });
  });

  it('-WhatIf changes nothing', async () => {
    const r = await runPwsh(
      'Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop\nSet-AvimarkBackupAcl -WhatIf',
      env(),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `What if: Performing the operation "Allow only SYSTEM and Administrators" on target "${configPath}"`,
    );
    expect(r.stdout).toContain(`on target "${stateDir}"`);
    const s = await sim();
    expect(s.acls ?? {}).toEqual({});
    expect(s.calls.filter((c) => c.Command === 'Set-Acl')).toEqual([]);
  });

  it('a missing item is named, with what to do, before anything is changed', async () => {
    const r = await runPwsh(
      `Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop\nSet-AvimarkBackupAcl -Path '${path.join(dir, 'nope.txt')}' -Confirm:$false`,
      env(),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/nope\.txt' does not exist: create it first/);
    expect((await sim()).acls ?? {}).toEqual({});
  });

  it('fails when the access list does not read back as set', async () => {
    await writeFile(simState, JSON.stringify({ calls: [], knobs: { aclIgnored: true } }));
    const r = await runPwsh(
      'Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop\nSet-AvimarkBackupAcl -Confirm:$false',
      env(),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/reads back as D:AI\(A;ID;FA;;;SY\)/);
  });
});
