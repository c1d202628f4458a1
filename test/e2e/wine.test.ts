import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exePath, tempDir } from '../helpers/cli';
import { bundlePath, repoRoot } from '../helpers/pwsh';
import { writeSampleFolder } from '../helpers/sample-folder';
import { treeHashes } from '../helpers/tree-hash';

// Smoke test of the Windows executable under Wine. Wine breaks when a Windows program's stdout is a
// pipe (EBADF in createWritableStdioStream), so every run writes stdout and stderr to files.
const windowsExePath = process.env.AVIMARK_TEST_WINDOWS_EXE ?? path.join(repoRoot, 'dist', 'avimark-backup.exe');
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const wineVersion = spawnSync('wine', ['--version'], { encoding: 'utf8' });
const wineInstalled = !wineVersion.error && wineVersion.status === 0;
// Cached between runs (initialising a prefix takes ~10 s); ignored by git like the rest of .tools/.
const prefix = path.join(repoRoot, '.tools', 'wine', 'prefix');
const readyMarker = path.join(repoRoot, '.tools', 'wine', 'prefix-ready');
const wineEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };

if (!wineInstalled && !process.env.CI) {
  console.warn('wine is not installed: skipping the Windows executable smoke test (CI installs it and never skips)');
}

// The round trip needs commands built in parallel with this test: missing ones fail in CI, skip locally.
// Both executables are built from the same blob, so the Linux one's help lists the Windows one's commands.
const exeHelp = existsSync(exePath) ? (spawnSync(exePath, ['--help'], { encoding: 'utf8' }).stdout ?? '') : '';
const missingCommands = ['backup', 'verify', 'restore'].filter(
  (name) => !new RegExp(`^\\s+${name}\\b`, 'm').test(exeHelp),
);
const skipRoundTrip = missingCommands.length > 0 && !process.env.CI;
if (skipRoundTrip) console.warn(`Wine round trip skipped: no ${missingCommands.join(', ')} command yet`);

/** `/tmp/x/y` as Wine's Windows path `Z:\tmp\x\y`. */
function windowsPath(unixPath: string): string {
  return `Z:${unixPath.replace(/\//g, '\\')}`;
}

interface WineResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe.skipIf(!wineInstalled && !process.env.CI)('the Windows executable under Wine', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let runs = 0;

  /** Runs a Windows program under Wine with stdout and stderr redirected to files. */
  function wine(args: string[], timeoutMs = 120_000): WineResult {
    runs += 1;
    const outFile = path.join(work.dir, `run-${runs}.out`);
    const errFile = path.join(work.dir, `run-${runs}.err`);
    const out = openSync(outFile, 'w');
    const err = openSync(errFile, 'w');
    try {
      const result = spawnSync('wine', args, { env: wineEnv, stdio: ['ignore', out, err], timeout: timeoutMs });
      if (result.error) throw result.error;
      return { status: result.status, stdout: readFileSync(outFile, 'utf8'), stderr: readFileSync(errFile, 'utf8') };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  function avimarkBackup(args: string[]): WineResult {
    return wine([windowsExePath, ...args]);
  }

  beforeAll(async () => {
    expect(wineInstalled, 'wine is required in CI (.ci/run installs wine64 and wine)').toBe(true);
    expect(existsSync(windowsExePath), 'run `npm run build` first').toBe(true);
    if (process.env.CI) {
      expect(statSync(windowsExePath).mtimeMs, 'the .exe is older than the bundle').toBeGreaterThanOrEqual(
        statSync(bundlePath).mtimeMs,
      );
    }
    work = await tempDir('avb-wine-');
    if (!existsSync(readyMarker) || !existsSync(path.join(prefix, 'system.reg'))) {
      mkdirSync(prefix, { recursive: true });
      const boot = wine(['wineboot', '--init']);
      expect(boot.status, `wineboot failed:\n${boot.stderr}`).toBe(0);
      // A fresh prefix reports an old Windows, and Node refuses to start below Windows 10.
      const cfg = wine(['winecfg', '-v', 'win10']);
      expect(cfg.status, `winecfg failed:\n${cfg.stderr}`).toBe(0);
      writeFileSync(readyMarker, `${wineVersion.stdout.trim()}\n`);
    }
  });

  afterAll(async () => {
    if (wineInstalled) spawnSync('wineserver', ['-k'], { env: wineEnv, stdio: 'ignore' });
    await work?.cleanup();
  });

  it('prints the package version', () => {
    const result = avimarkBackup(['--version']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('prints its help', () => {
    const result = avimarkBackup(['--help']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: avimark-backup');
  });

  it.skipIf(skipRoundTrip)('backs up, verifies and restores between folders given as Windows paths', async () => {
    expect(missingCommands).toEqual([]);

    const source = path.join(work.dir, 'AVImark');
    const dest = path.join(work.dir, 'backups');
    const state = path.join(work.dir, 'state');
    const restored = path.join(work.dir, 'restored');
    await writeSampleFolder(source);

    const backupArgs = [
      'backup',
      '--source',
      windowsPath(source),
      '--dest',
      windowsPath(dest),
      '--state-dir',
      windowsPath(state),
      '--no-lockout',
      '--json',
    ];
    const backup = avimarkBackup(backupArgs);
    expect(backup.status, backup.stdout + backup.stderr).toBe(0);
    const first = JSON.parse(backup.stdout) as { snapshotId?: string; filesTotal?: number };
    expect(first.snapshotId).toEqual(expect.any(String));
    expect(first.filesTotal).toBe(6);

    // A second, incremental run: the changed file is copied, the others are hard links (Wine maps CreateHardLink to link()).
    await appendFile(path.join(source, 'CLIENT.V2$'), 'one more client');
    const incremental = avimarkBackup(backupArgs);
    expect(incremental.status, incremental.stdout + incremental.stderr).toBe(0);
    const second = JSON.parse(incremental.stdout) as {
      snapshotId?: string;
      filesCopied?: number;
      filesLinked?: number;
    };
    expect(second.snapshotId).not.toBe(first.snapshotId);
    expect(second.filesCopied).toBe(1);
    expect(second.filesLinked).toBe(5);
    const unchanged = (id: string) => statSync(path.join(dest, 'snapshots', id, 'ANIMAL.V2$')).ino;
    expect(unchanged(String(second.snapshotId))).toBe(unchanged(String(first.snapshotId)));

    const verify = avimarkBackup(['verify', '--all', '--dest', windowsPath(dest)]);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);

    const restore = avimarkBackup([
      'restore',
      String(second.snapshotId),
      '--to',
      windowsPath(restored),
      '--dest',
      windowsPath(dest),
    ]);
    expect(restore.status, restore.stdout + restore.stderr).toBe(0);
    expect(await treeHashes(restored)).toEqual(await treeHashes(source));
  });
});
