import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDestinationRoom, destinationAccountWarnings, expectedCopyBytes } from '../../../src/cycle/preflight';
import { SPILL_RECORDS } from '../../../src/engine/held-records';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { manifestPath } from '../../../src/store/layout';
import { writeManifest } from '../../../src/store/manifest';
import type { ManifestEntry } from '../../../src/store/types';
import { buildStore } from '../../helpers/store';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function doneRecord(file: string, rel: string): Promise<string> {
  const st = await stat(file, { bigint: true });
  const e = {
    path: rel,
    type: 'file',
    size: Number(st.size),
    mtimeNs: st.mtimeNs.toString(),
    sha256: '0'.repeat(64),
    attributes: {},
  };
  return JSON.stringify({ t: 'done', how: 'copy', e });
}

/** A fresh temporary folder (removed after the test) with an empty source folder and a destination path. */
async function sourceAndDest(): Promise<{ source: string; dest: string }> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avb-preflight-'));
  const source = path.join(dir, 'src');
  await mkdir(source);
  return { source, dest: path.join(dir, 'dest') };
}

describe('expectedCopyBytes', () => {
  it('does not count what the resumable partial already holds (done files, the fsynced part of a large file)', async () => {
    const { source, dest } = await sourceAndDest();
    for (const name of ['a', 'b', 'c']) await writeFile(path.join(source, name), Buffer.alloc(1000, 1));
    expect(await expectedCopyBytes(source, dest, [])).toEqual({ bytes: 3000, files: 3 });

    const id = '2026-11-26_010000';
    await mkdir(path.join(dest, 'in-progress', id), { recursive: true });
    await mkdir(path.join(dest, 'in-progress', `${id}.state`));
    const cst = await stat(path.join(source, 'c'), { bigint: true });
    const lines = [
      await doneRecord(path.join(source, 'a'), 'a'),
      JSON.stringify({ t: 'part', p: 'c', off: 400, size: 1000, mtimeNs: cst.mtimeNs.toString() }),
      '{"t":"done","how":"co', // torn tail of a killed run: ignored
    ];
    const journal = path.join(dest, 'in-progress', `${id}.state`, 'journal.jsonl');
    await writeFile(journal, lines.join('\n'));
    const before = await readdir(path.join(dest, 'in-progress', `${id}.state`));
    expect(await expectedCopyBytes(source, dest, [])).toEqual({ bytes: 1000 + 600, files: 2 });
    // Read-only: the torn tail is left for the engine to cut.
    expect(await readdir(path.join(dest, 'in-progress', `${id}.state`))).toEqual(before);
    expect((await stat(journal)).size).toBe(Buffer.byteLength(lines.join('\n')));

    // A file changed since the partial copied it counts again.
    await writeFile(path.join(source, 'a'), Buffer.alloc(2000, 2));
    expect(await expectedCopyBytes(source, dest, [])).toEqual({ bytes: 2000 + 1000 + 600, files: 3 });
  });

  it('a journal longer than memory keeps is replayed through the system temporary folder, never the store', async () => {
    const { source, dest } = await sourceAndDest();
    for (const name of ['a', 'b', 'c']) await writeFile(path.join(source, name), Buffer.alloc(1000, 1));
    const id = '2026-11-26_010000';
    const stateDir = path.join(dest, 'in-progress', `${id}.state`);
    await mkdir(path.join(dest, 'in-progress', id), { recursive: true });
    await mkdir(stateDir);
    const others = Array.from({ length: SPILL_RECORDS + 10 }, (_, i) =>
      JSON.stringify({ t: 'done', how: 'link', e: { path: `x/${i}`, type: 'file', size: 1, mtimeNs: '1' } }),
    );
    // 'b' in the first spilled run, 'a' in the last batch: both found through the merge.
    const lines = [
      await doneRecord(path.join(source, 'b'), 'b'),
      ...others,
      await doneRecord(path.join(source, 'a'), 'a'),
    ];
    await writeFile(path.join(stateDir, 'journal.jsonl'), `${lines.join('\n')}\n`);
    const spills = async () =>
      (await readdir(os.tmpdir())).filter((n) => n.startsWith(`avimark-backup-replay-${process.pid}-`));
    const before = await spills();
    expect(await expectedCopyBytes(source, dest, [])).toEqual({ bytes: 1000, files: 1 });
    expect(await readdir(stateDir)).toEqual(['journal.jsonl']);
    expect(await spills()).toEqual(before);
  });
});

describe('expectedCopyBytes: the newest snapshot', () => {
  it('counts what changed since it; with its manifest damaged part way, also the files from there on; cut short, everything (as the engine copies)', async () => {
    const { source, dest } = await sourceAndDest();
    const id = '2026-11-26_010000';
    await buildStore(dest, [{ id, files: { a: 'x', b: 'x', c: 'x' } }]);
    const entries: ManifestEntry[] = [];
    for (const name of ['a', 'b', 'c']) {
      await writeFile(path.join(source, name), Buffer.alloc(1000, 1));
      const st = await stat(path.join(source, name), { bigint: true });
      const attributes = { mode: 0o444, readonly: true };
      entries.push({
        path: name,
        type: 'file',
        size: 1000,
        mtimeNs: st.mtimeNs.toString(),
        sha256: '0'.repeat(64),
        attributes,
      });
    }
    const file = manifestPath(dest, id);
    const header = {
      format: 'avimark-backup-manifest' as const,
      version: 1 as const,
      snapshotId: id,
      source,
      createdAt: 'x',
    };
    await writeManifest(localFs, file, header, entries, entries.length);
    await writeFile(path.join(source, 'b'), Buffer.alloc(1500, 3));
    expect(await expectedCopyBytes(source, dest, [])).toEqual({ bytes: 1500, files: 1 });

    const lines = (await readFile(file, 'utf8')).split('\n');
    await writeFile(file, [...lines.slice(0, 3), '{"path":"c",', ...lines.slice(4)].join('\n')); // c's line damaged
    // The engine links a (its line is before the damage) and copies b (changed) and c (from the damage on).
    expect(await expectedCopyBytes(source, dest, [])).toEqual({ bytes: 2500, files: 2 });
    await writeFile(file, `${lines.slice(0, 3).join('\n')}\n`); // cut short after b
    expect(await expectedCopyBytes(source, dest, [])).toEqual({ bytes: 3500, files: 3 });
  });
});

describe('checkDestinationRoom: writable means a file can be created (issue 13 §10)', () => {
  it('refuses a destination where access(W_OK) says yes but creating a file is denied (a Windows ACL), and leaves nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-preflight-w-'));
    try {
      const aclDenies: FileSystem = {
        ...localFs,
        access: async () => undefined,
        open: async (file: Parameters<FileSystem['open']>[0]) => {
          throw Object.assign(new Error(`EPERM: operation not permitted, open '${String(file)}'`), { code: 'EPERM' });
        },
      };
      await expect(checkDestinationRoom(dir, 0, aclDenies)).rejects.toThrow(/is not writable: EPERM/);
      await expect(checkDestinationRoom(dir, 0)).resolves.toMatchObject({ freeBytes: expect.any(Number) });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('destinationAccountWarnings: what SYSTEM sees of the destination (issue 13 §10)', () => {
  it('a UNC destination: reached as the computer account', () => {
    expect(destinationAccountWarnings('\\\\nas01\\backup\\avimark')[0]).toMatch(/computer's account.*COMPUTERNAME\$/);
    expect(destinationAccountWarnings('//nas01/backup')).toHaveLength(1);
  });

  it('a drive letter that is not a local volume: mapped drives do not exist for SYSTEM', () => {
    expect(destinationAccountWarnings('Z:\\AVImarkBackup', false)[0]).toMatch(/mapped drive letter.*never for SYSTEM/);
    expect(destinationAccountWarnings('D:\\AVImarkBackup', true)).toEqual([]);
    expect(destinationAccountWarnings('Z:\\AVImarkBackup', null)).toEqual([]);
    expect(destinationAccountWarnings('/srv/backup')).toEqual([]);
    expect(destinationAccountWarnings('\\\\?\\C:\\backup')).toEqual([]);
  });
});
