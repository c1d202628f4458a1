import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclEntries, aclMismatches, applyAcls, captureAcls, explicitPart } from '../../../src/engine/metadata';
import { MemoryHost, createMemoryHostState } from '../../../src/host/memory';
import { tempDir } from '../../helpers/cli';

const ROOT = 'D:PAI(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;S-1-5-21-1-2-3-1105)';
const SUB = 'D:AI(A;OICI;0x1200a9;;;S-1-5-21-1-2-3-1106)(A;OICIID;FA;;;SY)';

describe('access lists: what is compared', () => {
  it('explicitPart keeps the protection flag and the explicit entries, not the inherited ones', () => {
    expect(explicitPart(ROOT)).toBe('P(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;S-1-5-21-1-2-3-1105)');
    expect(explicitPart(SUB)).toBe('(A;OICI;0x1200a9;;;S-1-5-21-1-2-3-1106)');
    expect(explicitPart('D:AI(A;OICIID;FA;;;SY)')).toBe('');
    // Inherited entries from another parent do not count as a difference; a lost explicit entry does.
    expect(explicitPart(SUB)).toBe(explicitPart('D:AI(A;OICI;0x1200a9;;;S-1-5-21-1-2-3-1106)(A;OICIID;FA;;;BU)'));
    expect(explicitPart(SUB)).not.toBe(explicitPart('D:AI(A;OICIID;FA;;;SY)'));
  });

  it('aclEntries puts the folder itself first', () => {
    expect(aclEntries({ root: ROOT, items: [{ path: 'Reports', sddl: SUB }] })).toEqual([
      { path: '', sddl: ROOT },
      { path: 'Reports', sddl: SUB },
    ]);
  });

  it('aclMismatches names what did not come back, and why', () => {
    const wanted = aclEntries({
      root: ROOT,
      items: [
        { path: 'a', sddl: SUB },
        { path: 'b', sddl: SUB },
        { path: 'c', sddl: SUB },
      ],
    });
    expect(
      aclMismatches(wanted, [
        { path: '', sddl: 'D:AI(A;OICIID;FA;;;SY)', error: null },
        { path: 'a', sddl: SUB, error: null },
        { path: 'b', sddl: null, error: 'Access is denied.' },
      ]),
    ).toEqual([
      `the folder itself reads back as D:AI(A;OICIID;FA;;;SY), not ${ROOT}`,
      '"b": not set (Access is denied.)',
      '"c": no answer from the server',
    ]);
    expect(
      aclMismatches(wanted.slice(0, 2), [
        { path: '', sddl: ROOT, error: null },
        { path: 'a', sddl: SUB, error: null },
      ]),
    ).toEqual([]);
  });
});

describe('capture and apply through a host (in memory)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-acl-unit-')));
  afterEach(async () => cleanup());

  it('captures the folder and the items with their own lists, and puts them back elsewhere', async () => {
    const source = path.join(dir, 'AVImark');
    await mkdir(path.join(source, 'Reports'), { recursive: true });
    const state = createMemoryHostState({ acls: { [source]: ROOT, [path.join(source, 'Reports')]: SUB } });
    const host = new MemoryHost(state);
    const warnings: string[] = [];
    const acls = await captureAcls(host, source, warnings);
    expect(warnings).toEqual([]);
    expect(acls).toEqual({ root: ROOT, items: [{ path: 'Reports', sddl: SUB }], unreadable: [] });

    const target = path.join(dir, 'restored');
    await mkdir(path.join(target, 'Reports'), { recursive: true });
    expect(await applyAcls(host, target, acls ?? { root: '', items: [] })).toEqual({ applied: 2, problems: [] });
    expect(state.acls?.[target]).toBe(ROOT);
    expect(state.acls?.[path.join(target, 'Reports')]).toBe(SUB);
  });

  it('a capture that fails is a warning, not a failure', async () => {
    const host = new MemoryHost(createMemoryHostState());
    const warnings: string[] = [];
    expect(await captureAcls(host, path.join(dir, 'nope'), warnings)).toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(/permissions \(NTFS access lists\) were not captured: .*does not exist/),
    ]);
  });

  it('an item missing from the restored folder is named', async () => {
    const target = path.join(dir, 'restored');
    await mkdir(target);
    const host = new MemoryHost(createMemoryHostState());
    const r = await applyAcls(host, target, { root: ROOT, items: [{ path: 'gone', sddl: SUB }] });
    expect(r.problems).toEqual(['"gone": not set (it does not exist)']);
  });
});
