import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { fileBlockReader } from '../../../src/guard/block-reader';
import { type ChangeSignals, type FileFacts, nameStems, tallyChanges } from '../../../src/guard/change-signals';
import { type SampleCandidate, sampleCompressibility } from '../../../src/guard/compressibility';
import { ransomExtensionSet } from '../../../src/guard/ransom-names';
import {
  type RansomwareThresholds,
  type RansomwareVerdict,
  assessRansomware,
  suspectMessage,
} from '../../../src/guard/ransomware';
import { type TreeFile, avimarkRecords, avimarkTree, encrypt, sha256, writeTree } from './avimark-records';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-guard-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const defaults: RansomwareThresholds = { changedSameSizePercent: 25, incompressiblePercent: 50, minFiles: 20 };
const limits = { sampleFiles: 24, sampleBytes: 16 * 1024 * 1024 };

function facts(files: readonly TreeFile[]): FileFacts[] {
  return files.map((f) => ({ path: f.path, type: 'file', size: f.data.length, mtimeNs: '1', sha256: sha256(f.data) }));
}

/**
 * What the wiring will do after a backup: tally the manifests, sample the changed files (and renamed
 * ones against the name they replaced) from the two snapshot folders, assess.
 */
async function assessNight(before: readonly TreeFile[], after: readonly TreeFile[], thresholds = defaults) {
  const root = await tempDir();
  const prevRoot = path.join(root, 'prev');
  const curRoot = path.join(root, 'cur');
  await writeTree(prevRoot, before);
  await writeTree(curRoot, after);
  const previous = new Map(facts(before).map((f) => [f.path, f]));
  const current = facts(after);
  const changes = tallyChanges(previous, current, { extensions: ransomExtensionSet(), caseInsensitive: false });
  const currentPaths = new Set(current.map((f) => f.path));
  const list: SampleCandidate[] = [];
  for (const f of current) {
    const same = previous.get(f.path);
    const replaced = same ? undefined : nameStems(f.path).find((s) => previous.has(s) && !currentPaths.has(s));
    const prevPath = same ? (same.sha256 !== f.sha256 ? f.path : undefined) : replaced;
    if (prevPath === undefined) continue;
    const prevFile = path.join(prevRoot, ...prevPath.split('/'));
    list.push({
      path: f.path,
      current: { file: path.join(curRoot, ...f.path.split('/')), size: f.size },
      previous: { file: prevFile, size: (await stat(prevFile)).size },
    });
  }
  const sample = await sampleCompressibility(list, fileBlockReader(localFs), limits);
  return { changes, sample, verdict: assessRansomware({ changes, sample }, thresholds) };
}

describe('the ransomware guard on real data', () => {
  it('AES over the AVImark folder, some files renamed, a note dropped: suspect, with every signal', async () => {
    const before = avimarkTree(21, 40);
    const after: TreeFile[] = before.map((f, i) => {
      const data = encrypt(f.data);
      return { path: i % 8 === 0 ? `${f.path}.akira` : f.path, data };
    });
    after.push({ path: 'akira_readme.txt', data: Buffer.from('Your files were encrypted. Contact us.\n') });
    const { verdict, sample } = await assessNight(before, after);
    expect(verdict.suspect).toBe(true);
    const text = verdict.reasons.join('\n');
    expect(text).toMatch(/files \(100%\) changed content but kept their size/);
    expect(text).toMatch(/became incompressible/);
    expect(text).toMatch(/extension ransomware uses, e\.g\. "TABLE00\.V2\$\.akira"/);
    expect(text).toMatch(/named like a ransom note appeared, e\.g\. "akira_readme\.txt"/);
    expect(sample.files.length).toBeGreaterThan(3);
    expect(verdict.measured.becameIncompressible).toBe(verdict.measured.sampledWithBaseline);
  });

  it('renamed-only encryption (every file gets a new extension, sizes change) is still caught', async () => {
    const before = avimarkTree(22, 40);
    const after: TreeFile[] = before.map((f) => ({
      path: `${f.path}.id-9A1B.[restore@example.net].qwz`,
      data: Buffer.concat([encrypt(f.data), Buffer.alloc(512, 7)]),
    }));
    const { verdict } = await assessNight(before, after);
    expect(verdict.suspect).toBe(true);
    expect(verdict.reasons.join('\n')).toMatch(/renamed with an extra extension/);
    expect(verdict.reasons.join('\n')).toMatch(/became incompressible/);
  });

  it('a normal night (a few tables rewritten in place, a log appended, new documents) is not suspect', async () => {
    const before = avimarkTree(23, 40);
    const after: TreeFile[] = before.map((f, i) => {
      if (f.path.startsWith('TABLE') && i % 5 === 0) {
        const data = Buffer.from(f.data);
        avimarkRecords(8, 256, 1000 + i).copy(data, 256 * 3);
        return { path: f.path, data };
      }
      if (f.path === 'LOG0.V2$')
        return { path: f.path, data: Buffer.concat([f.data, Buffer.from('08:00 USER0 login\r\n')]) };
      return f;
    });
    after.push({ path: 'My Documents/Xray/2025/X99.jpg', data: encrypt(Buffer.alloc(30_000)) });
    after.push({ path: 'README.txt', data: Buffer.from('AVImark update notes\n') });
    const { verdict, changes } = await assessNight(before, after);
    expect(changes.changedSameSize).toBe(8);
    expect(verdict).toMatchObject({ suspect: false, reasons: [] });
  });
});

const noChanges: ChangeSignals = {
  filesCompared: 1000,
  changed: 0,
  changedSameSize: 0,
  changedSameStat: 0,
  ransomExtension: 0,
  appendedExtension: 0,
  ransomNotes: 0,
  readmes: 0,
  examples: { changedSameSize: [], extension: [], appended: [], notes: [] },
};

function sampled(became: number, stayed: number, noBaseline = 0) {
  const files = [
    ...Array.from({ length: became }, (_, i) => ({
      path: `B${i}`,
      ratio: 1,
      previousRatio: 0.3,
      becameIncompressible: true,
    })),
    ...Array.from({ length: stayed }, (_, i) => ({
      path: `S${i}`,
      ratio: 0.3,
      previousRatio: 0.3,
      becameIncompressible: false,
    })),
    ...Array.from({ length: noBaseline }, (_, i) => ({
      path: `J${i}`,
      ratio: 1,
      previousRatio: 1,
      becameIncompressible: false,
    })),
  ];
  return { files, bytesRead: 0, skipped: 0 };
}

describe('assessRansomware thresholds', () => {
  const assess = (changes: Partial<ChangeSignals>, sample = sampled(0, 0), t = defaults): RansomwareVerdict =>
    assessRansomware({ changes: { ...noChanges, ...changes }, sample }, t);

  it('changed-same-size fires at the percentage, only with minFiles behind it', () => {
    expect(assess({ changedSameSize: 249 }).suspect).toBe(false);
    expect(assess({ changedSameSize: 250 }).suspect).toBe(true);
    expect(assess({ filesCompared: 30, changedSameSize: 19 }).suspect).toBe(false);
    expect(assess({ filesCompared: 30, changedSameSize: 20 }).suspect).toBe(true);
    expect(assess({ changedSameSize: 300, changedSameStat: 300 }).reasons[0]).toContain(
      '300 of them with an unchanged modification time too',
    );
  });

  it('incompressible counts only files with a compressible baseline, and needs three', () => {
    expect(assess({}, sampled(2, 0)).suspect).toBe(false);
    expect(assess({}, sampled(3, 3)).suspect).toBe(true);
    expect(assess({}, sampled(3, 4)).suspect).toBe(false);
    expect(assess({}, sampled(3, 2, 50)).measured).toMatchObject({ sampledWithBaseline: 5, incompressiblePercent: 60 });
    expect(assessRansomware({ changes: noChanges, sample: null }, defaults).suspect).toBe(false);
  });

  it('one ransomware extension or note is enough; plain READMEs need three; renames need minFiles', () => {
    expect(assess({ ransomExtension: 1, examples: { ...noChanges.examples, extension: ['A.lockbit'] } }).suspect).toBe(
      true,
    );
    expect(assess({ ransomNotes: 1 }).suspect).toBe(true);
    expect(assess({ readmes: 2 }).suspect).toBe(false);
    expect(assess({ readmes: 3 }).suspect).toBe(true);
    expect(assess({ appendedExtension: 19 }).suspect).toBe(false);
    expect(assess({ appendedExtension: 20 }).suspect).toBe(true);
  });

  it('suspectMessage says what happened and what to do', () => {
    const verdict = assess({ ransomNotes: 1, examples: { ...noChanges.examples, notes: ['HOW_TO_DECRYPT.txt'] } });
    const message = suspectMessage('2026-11-26_020000', verdict);
    expect(message).toContain('"HOW_TO_DECRYPT.txt"');
    expect(message).toContain('avimark-backup accept 2026-11-26_020000');
    expect(message).toContain('"latest" still points at the previous snapshot');
  });
});
