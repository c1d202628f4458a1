import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pwshJson } from '../helpers/run-pwsh';
import { exePath, tempDir } from '../helpers/cli';
import { bundlePath, repoRoot } from '../helpers/pwsh';
import { writeSampleFolder } from '../helpers/sample-folder';
import { treeHashes } from '../helpers/tree-hash';

// Smoke test of the Windows executable under Wine. When a Windows program's stdout is a pipe of the
// Linux host, Wine hands it a handle that is not a named pipe (SetNamedPipeHandleState fails with
// STATUS_OBJECT_TYPE_MISMATCH), so libuv's uv_pipe_open and then Node's stdout fail with EBADF. Plain
// node.exe fails the same way; a pipe made inside Wine (as on Windows) works. So every run here writes
// stdout and stderr to files. See docs/windows-validation.md, "The executable's output through a pipe".
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

  it('writes through a pipe made inside Wine, as PowerShell makes on Windows (cmd /c "exe | more")', () => {
    const piped = path.join(work.dir, 'piped.txt');
    const result = wine(['cmd', '/c', `${windowsPath(windowsExePath)} --version | more > ${windowsPath(piped)}`]);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(piped, 'utf8').trim()).toBe(pkg.version);
  });

  it.skipIf(skipRoundTrip)(
    'the PowerShell module drives the real .exe (stdout through a file: the host-pipe limit above)',
    async () => {
      const source = path.join(work.dir, 'module-AVImark');
      const dest = path.join(work.dir, 'module-store');
      await writeSampleFolder(source);
      const config = path.join(work.dir, 'module-config.json');
      writeFileSync(
        config,
        JSON.stringify({
          source: windowsPath(source),
          destination: windowsPath(dest),
          stateDir: windowsPath(path.join(work.dir, 'module-state')),
          alerts: { eventLog: { enabled: false } },
        }),
      );
      // The module starts this like avimark-backup.exe; it only moves Wine's stdout and stderr off host pipes.
      const launcher = path.join(work.dir, 'avimark-backup');
      writeFileSync(
        launcher,
        `#!/bin/sh\nout=$(mktemp); err=$(mktemp)\nwine "$AVB_WINDOWS_EXE" "$@" > "$out" 2> "$err"; code=$?\ncat "$out"; cat "$err" >&2; rm -f "$out" "$err"; exit $code\n`,
        { mode: 0o755 },
      );
      const out = await pwshJson<{ backup: string; ids: string[]; verified: boolean[]; failure: string }>(
        `Import-Module $env:AVB_MANIFEST -Force -ErrorAction Stop
       $b = Invoke-AvimarkBackup -NoLockout
       $ids = @(Get-AvimarkSnapshot | ForEach-Object { $_.id })
       $v = @(Test-AvimarkSnapshot -All | ForEach-Object { $_.ok })
       try { Test-AvimarkSnapshot -Id 'no-such-snapshot' -ErrorAction Stop; $f = 'no error' }
       catch { $f = $_.FullyQualifiedErrorId }
       [pscustomobject]@{ backup = $b.snapshotId; ids = $ids; verified = $v; failure = $f } | ConvertTo-Json`,
        {
          ...wineEnv,
          AVB_MANIFEST: path.join(repoRoot, 'ps', 'AvimarkBackup', 'AvimarkBackup.psd1'),
          AVB_WINDOWS_EXE: windowsExePath,
          AVIMARK_BACKUP_EXE: launcher,
          AVIMARK_BACKUP_CONFIG: windowsPath(config),
        },
      );
      expect(out.backup).toMatch(/^\d{4}-\d{2}-\d{2}_\d{6}$/);
      expect(out.ids).toEqual([out.backup]);
      expect(out.verified).toEqual([true]);
      expect(out.failure).toMatch(/^AvimarkBackup\.Exit\d,Test-AvimarkSnapshot$/);
    },
  );

  it.skipIf(skipRoundTrip)('backs up, verifies and restores between folders given as Windows paths', async () => {
    expect(missingCommands).toEqual([]);

    const source = path.join(work.dir, 'AVImark');
    const dest = path.join(work.dir, 'backups');
    const state = path.join(work.dir, 'state');
    const restored = path.join(work.dir, 'restored');
    await writeSampleFolder(source);
    chmodSync(path.join(source, 'ANIMAL.V2$'), 0o444); // Wine shows it as FILE_ATTRIBUTE_READONLY

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
    // The read-only attribute was set on the copy before its rename into place; the other files stay writable.
    expect(statSync(path.join(restored, 'ANIMAL.V2$')).mode & 0o222).toBe(0);
    expect(statSync(path.join(restored, 'CLIENT.V2$')).mode & 0o200).toBe(0o200);
  });
});
