import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { type SimHospital, simulatedHospital } from '../../helpers/hospital';
import type { SimState } from '../../helpers/sim';

/**
 * The AVImark folder's NTFS access lists (what lets the staff's accounts use the share) through the real bridge
 * and the simulated Get-Acl/Set-Acl (test/sim/modules/AvbSim.AclCmdlets): captured by the backup into
 * meta/<ID>/acl.json, put back and read back by `restore --to-live`, and by `restore --to --acl` on request.
 */

/** Protected, with the front desk's group (a domain SID) allowed to modify. */
const ROOT = 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;S-1-5-21-1-2-3-1105)';
/** An explicit entry for the vets' group on top of what it inherits. */
const REPORTS = 'D:AI(A;OICI;0x1200a9;;;S-1-5-21-1-2-3-1106)(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)';
/** Only inherited entries: nothing to record. */
const INHERITED = 'D:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)';
/** What a folder gets when it is re-created under its parent: the parent's, inherited. */
const PARENTS = 'D:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)';

type AclState = SimState & { acls?: Record<string, string> };

let h: SimHospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function hospitalWithAcls(): Promise<SimHospital> {
  const hospital = await simulatedHospital({
    files: { 'avimark.exe': 'MZ program', 'CLIENT.V2$': 'clients\n', 'Reports/day.txt': 'report\n' },
  });
  const { source } = hospital;
  hospital.server.updateState((s) => {
    (s as AclState).acls = {
      [source]: ROOT,
      [path.join(source, 'Reports')]: REPORTS,
      [path.join(source, 'CLIENT.V2$')]: INHERITED,
    };
  });
  await hospital.writeConfig({ lockout: { warnMinutes: [0] } });
  return hospital;
}

async function backup(hospital: SimHospital): Promise<string> {
  const env = { ...hospital.server.env, AVIMARK_TEST_CLI: 'bundle' };
  const b = await runCli(['backup', '--config', hospital.configFile, '--json'], { env, timeoutMs: 180_000 });
  expect(b.code, b.stderr).toBe(0);
  return (JSON.parse(b.stdout) as { snapshotId: string }).snapshotId;
}

const acls = async (hospital: SimHospital) => ((await hospital.server.readState()) as AclState).acls ?? {};

describe('NTFS access lists round trip through the simulated server', { timeout: 300_000 }, () => {
  it('the backup records the folder and the items with their own lists; restore --to-live puts them back', async () => {
    h = await hospitalWithAcls();
    const { source } = h;
    const id = await backup(h);
    const recorded = JSON.parse(await readFile(path.join(h.dest, 'meta', id, 'acl.json'), 'utf8'));
    expect(recorded).toMatchObject({ format: 'avimark-backup-acl', version: 1, source, root: ROOT });
    expect(recorded.items).toEqual([{ path: 'Reports', sddl: REPORTS }]);
    expect(recorded.unreadable).toEqual([]);

    // The day goes wrong: the folder is re-created and has only what it inherits from its parent.
    h.server.updateState((s) => {
      (s as AclState).acls = { [source]: PARENTS };
    });
    const env = { ...h.server.env, AVIMARK_TEST_CLI: 'bundle' };
    const r = await runCli(['restore', 'latest', '--to-live', '--config', h.configFile], { env, timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/permissions/);
    const after = await acls(h);
    expect(after[source]).toBe(ROOT);
    expect(after[path.join(source, 'Reports')]).toBe(REPORTS);
    // Set through -LiteralPath only (names are data, never wildcards), the folder first.
    const sets = (await h.server.readState()).calls.filter((c) => c.Command === 'Set-Acl');
    expect(sets.map((c) => c.Parameters.LiteralPath)).toEqual([[source], [path.join(source, 'Reports')]]);
    expect(await readFile(path.join(source, 'Reports', 'day.txt'), 'utf8')).toBe('report\n');

    // restore --to --acl does the same on request for a side folder.
    const side = path.join(h.server.dir, 'side');
    const s = await runCli(['restore', id, '--to', side, '--acl', '--config', h.configFile], { env });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/Folder permissions put back \(2 access lists\)/);
    expect((await acls(h))[side]).toBe(ROOT);
    expect((await acls(h))[path.join(side, 'Reports')]).toBe(REPORTS);
    expect((await readdir(side)).sort()).toEqual(['CLIENT.V2$', 'Reports', 'avimark.exe']);
  });

  it('a list that does not read back as recorded is named (restore --to-live warns, --to --acl exits 1)', async () => {
    h = await hospitalWithAcls();
    await backup(h);
    h.server.updateState((s) => {
      (s as AclState).acls = { [h?.source ?? '']: PARENTS };
      s.knobs.aclIgnored = true;
    });
    const env = { ...h.server.env, AVIMARK_TEST_CLI: 'bundle' };
    const r = await runCli(['restore', 'latest', '--to-live', '--config', h.configFile], { env, timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`permissions not restored as recorded: the folder itself reads back as ${PARENTS}`);
    expect(r.stdout).toMatch(/permissions not restored as recorded: "Reports" reads back as D:AI/);

    const side = path.join(h.server.dir, 'side');
    const s = await runCli(['restore', 'latest', '--to', side, '--acl', '--config', h.configFile], { env });
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/permissions not restored as recorded: the folder itself reads back as/);
  });

  it('restore --to --acl refuses a snapshot without recorded permissions before writing anything', async () => {
    h = await hospitalWithAcls();
    const id = await backup(h);
    const { rm } = await import('node:fs/promises');
    await rm(path.join(h.dest, 'meta', id, 'acl.json'));
    const side = path.join(h.server.dir, 'side');
    const env = { ...h.server.env, AVIMARK_TEST_CLI: 'bundle' };
    const s = await runCli(['restore', id, '--to', side, '--acl', '--config', h.configFile], { env });
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/holds no folder permissions/);
    await expect(readdir(side)).rejects.toThrow(/ENOENT/);
  });
});
