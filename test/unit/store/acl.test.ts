import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DamageError } from '../../../src/errors';
import { localFs } from '../../../src/fs/local';
import { aclPath, readAclFile, writeAclFile } from '../../../src/store/acl';
import { tempDir } from '../../helpers/cli';

const ID = '2026-11-26_020000';
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-aclfile-'));
  await mkdir(path.join(dir, 'meta', ID), { recursive: true });
});
afterEach(async () => cleanup());

describe('meta/<ID>/acl.json', () => {
  it('round-trips what was captured, as data', async () => {
    const acls = {
      root: 'D:PAI(A;OICI;FA;;;SY)',
      items: [{ path: 'a "b" $c', sddl: 'D:AI(A;;FA;;;BA)' }],
      unreadable: [{ path: 'x', message: 'Access is denied.' }],
    };
    await writeAclFile(localFs, dir, ID, 'D:\\AVImark', acls);
    expect(await readAclFile(localFs, dir, ID)).toEqual({
      format: 'avimark-backup-acl',
      version: 1,
      source: 'D:\\AVImark',
      ...acls,
    });
    expect(JSON.parse(await readFile(aclPath(dir, ID), 'utf8')).items).toEqual(acls.items);
  });

  it('is null for a snapshot without one, and a damaged one is named (exit 3)', async () => {
    expect(await readAclFile(localFs, dir, ID)).toBeNull();
    await writeFile(
      aclPath(dir, ID),
      '{"format":"avimark-backup-acl","version":1,"source":"s","root":"O:BA","items":[],"unreadable":[]}',
    );
    const err = await readAclFile(localFs, dir, ID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DamageError);
    expect(String((err as Error).message)).toMatch(/acl\.json is damaged/);
    await writeFile(aclPath(dir, ID), 'not json');
    await expect(readAclFile(localFs, dir, ID)).rejects.toThrow(/acl\.json is damaged/);
  });

  it('an item outside the folder (an altered file: a restore sets its SDDL as an administrator) is damage', async () => {
    for (const p of [
      '../Windows',
      'Reports/../../Windows',
      'C:/Windows/System32',
      'C:\\Windows',
      '/etc',
      'a\\..\\..\\b',
    ]) {
      const file = { format: 'avimark-backup-acl', version: 1, source: 's', root: 'D:P', unreadable: [] };
      await writeFile(
        aclPath(dir, ID),
        JSON.stringify({ ...file, items: [{ path: p, sddl: 'D:PAI(A;OICI;FA;;;WD)' }] }),
      );
      await expect(readAclFile(localFs, dir, ID), p).rejects.toThrow(
        /acl\.json is damaged: .*must lie below the folder/,
      );
    }
  });
});
