import { chmodSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackup } from '../../../src/engine/backup';
import { restoreSnapshot } from '../../../src/engine/restore';
import { createFaultyFs } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import { silentLogger } from '../../../src/log/logger';
import { resolveSnapshotId } from '../../../src/store/snapshots';
import { tempDir } from '../../helpers/cli';
import { engineConfig, hashWalk, writeTree } from '../../helpers/tree';

/** What comes back from a snapshot besides the bytes: folder modes and times (also before 1970), odd names. */

const log = silentLogger();
let dir: string;
let cleanup: () => Promise<void>;
let src: string;
let dest: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-meta-'));
  src = path.join(dir, 'AVImark');
  dest = path.join(dir, 'backups');
});
afterEach(async () => {
  // Folders restored closed (mode 0500 and the like) must not stop the clean-up.
  const open = (p: string): void => {
    for (const entry of readdirSync(p, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(p, entry.name);
      chmodSync(full, 0o755);
      open(full);
    }
  };
  open(dir);
  await cleanup();
});

function clock(start = new Date(2026, 10, 26, 2, 0, 0)): () => Date {
  let t = start.getTime();
  return () => new Date((t += 1000));
}

/** Every name under `root` (relative), files and folders. */
function allNames(root: string): string[] {
  return readdirSync(root, { recursive: true }).map(String);
}

const onPosix = process.platform !== 'win32';

describe.runIf(onPosix)('file and folder modes and times round-trip (Linux)', () => {
  it('a 700 folder stays 700, a sticky 1777 stays sticky, a read-only or 600 file keeps its bits, a 1969 folder and file keep their times', async () => {
    writeTree(src, {
      'private/secret.dat': 'x',
      'shared/tmp.dat': 'y',
      'old/OLD.V2$': 'from 1969',
      'plain/a.txt': 'a',
    });
    chmodSync(path.join(src, 'private'), 0o700);
    chmodSync(path.join(src, 'shared'), 0o1777);
    chmodSync(path.join(src, 'plain'), 0o750);
    chmodSync(path.join(src, 'private', 'secret.dat'), 0o600);
    chmodSync(path.join(src, 'plain', 'a.txt'), 0o444); // read-only at the source
    const t1969 = -15_000_000.25; // 1969-07-13, and a quarter second
    utimesSync(path.join(src, 'old', 'OLD.V2$'), String(t1969), String(t1969));
    utimesSync(path.join(src, 'old'), String(t1969 - 100), String(t1969 - 100));

    const { record } = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    const snapshot = await resolveSnapshotId(dest, record.snapshotId);
    const target = path.join(dir, 'restored');
    const result = await restoreSnapshot(snapshot, target, { liveSources: [src], dest });
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);

    const mode = (rel: string) => statSync(path.join(target, rel)).mode & 0o7777;
    expect(mode('private')).toBe(0o700);
    expect(mode('shared')).toBe(0o1777);
    expect(mode('plain')).toBe(0o750);
    // Files: the source's bits (read-only stays read-only, set on the copy before its rename into place).
    expect(mode('private/secret.dat')).toBe(0o600);
    expect(mode('plain/a.txt')).toBe(0o444);
    expect(mode('shared/tmp.dat')).toBe(0o644 & ~process.umask());
    const mtime = (root: string, rel: string) => statSync(path.join(root, rel), { bigint: true }).mtimeNs;
    expect(mtime(target, 'old/OLD.V2$')).toBe(mtime(src, 'old/OLD.V2$'));
    expect(mtime(target, 'old/OLD.V2$')).toBe(-15_000_000_250_000_000n);
    expect(mtime(target, 'old')).toBe(mtime(src, 'old'));
    expect(mtime(target, 'old')).toBeLessThan(0n);
    // The snapshot's own copies carry the 1969 times as well.
    expect(mtime(snapshot.dir, 'old/OLD.V2$')).toBe(-15_000_000_250_000_000n);
    expect(mtime(snapshot.dir, 'old')).toBe(mtime(src, 'old'));
    expect(hashWalk(target)).toEqual(hashWalk(src));
  });
});

describe.runIf(process.platform === 'linux')('names', () => {
  it('a file whose name is not valid UTF-8 is named in a warning (its bytes escaped), never skipped silently', async () => {
    writeTree(src, { 'CLIENT.V2$': 'clients', 'docs/ok.txt': 'ok' });
    // "café.txt" in Latin-1: 0xE9 alone is not UTF-8.
    const latin1 = Buffer.concat([
      Buffer.from(path.join(src, 'docs', 'caf')),
      Buffer.from([0xe9]),
      Buffer.from('.txt'),
    ]);
    writeFileSync(latin1, 'latin-1 name');
    const { record } = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    expect(record.warnings).toContainEqual(expect.stringContaining('docs/caf\\xE9.txt'));
    expect(record.warnings.join('\n')).toMatch(/not valid UTF-8/);
    expect(record.filesTotal).toBe(2);
  });

  it('restores names near the 255-byte limit (the temporary name never exceeds it)', async () => {
    const long = `${'n'.repeat(250)}.V2$`; // 254 bytes
    const longUtf8 = `${'é'.repeat(126)}.d`; // 254 bytes in UTF-8
    writeTree(src, { [long]: 'long', [`sub/${longUtf8}`]: 'long utf-8' });
    const { record } = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    const snapshot = await resolveSnapshotId(dest, record.snapshotId);
    const target = path.join(dir, 'restored');
    const result = await restoreSnapshot(snapshot, target, { liveSources: [src], dest });
    expect(result.problems).toEqual([]);
    expect(result.files).toBe(2);
    expect(hashWalk(target)).toEqual(hashWalk(src));
  });

  it('an error in the middle of a restore leaves no temporary file behind', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 24; i += 1) files[`d${i % 3}/f${String(i).padStart(2, '0')}.dat`] = `file ${i} `.repeat(20_000);
    writeTree(src, files);
    const { record } = await runBackup({ source: src, dest, engine: engineConfig(), log, now: clock() });
    const snapshot = await resolveSnapshotId(dest, record.snapshotId);
    const target = path.join(dir, 'restored');
    // The 14th file's read fails while others are being written.
    const faulty = createFaultyFs(localFs, { rules: [{ code: 'EIO', ops: ['handle.read'], path: /f13\.dat$/ }] });
    const written: string[] = [];
    const fs = {
      ...faulty.fs,
      open: ((file: string, flags: string) => {
        if (flags === 'w') written.push(path.basename(file));
        return faulty.fs.open(file, flags);
      }) as typeof faulty.fs.open,
    };
    await expect(restoreSnapshot(snapshot, target, { liveSources: [src], dest, fs })).rejects.toThrow(/EIO/);
    expect(faulty.injected.length).toBeGreaterThan(0);
    // Several copies were under way under short temporary names; none of them is left.
    expect(written.length).toBeGreaterThan(4);
    expect(written.every((n) => n.length < 40 && n.endsWith('.tmp'))).toBe(true);
    expect(allNames(target).filter((n) => /\.tmp|\.avb-/.test(n))).toEqual([]);
  });
});
