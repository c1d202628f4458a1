import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { type CliOptions, type CliResult, collect, runCli, tempDir } from '../../helpers/cli';
import { bundlePath, repoRoot } from '../../helpers/pwsh';
import { buildStore } from '../../helpers/store';

export const RESTIC = '/usr/bin/restic';
export const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;

/** The real bundle when it has the offsite commands; else the offsite commands alone (./cli-entry.ts). */
let fallbackBundle: Promise<string> | null = null;
async function cliFile(): Promise<string | null> {
  if (existsSync(bundlePath) && readFileSync(bundlePath, 'utf8').includes('offsite copies of committed snapshots'))
    return null;
  fallbackBundle ??= (async () => {
    const out = path.join(os.tmpdir(), `avb-offsite-cli-${process.pid}.cjs`);
    await build({
      entryPoints: [path.join(__dirname, 'cli-entry.ts')],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'warning',
      loader: { '.ps1': 'text', '.psm1': 'text' },
      define: { __AVIMARK_BACKUP_VERSION__: '"test"' },
    });
    return out;
  })();
  return fallbackBundle;
}

export async function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const file = await cliFile();
  if (file === null) return runCli(args, options);
  const child = spawn(process.execPath, [file, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, options.timeoutMs ?? 120_000);
}

/** The .cjs file the tests run (for the PowerShell module's AVIMARK_BACKUP_EXE). */
export async function cliBundle(): Promise<string> {
  return (await cliFile()) ?? bundlePath;
}

/** Starts the CLI without waiting (kill -9 tests). */
export async function startCli(args: string[]): Promise<ChildProcess> {
  const file = (await cliFile()) ?? bundlePath;
  return spawn(process.execPath, [file, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Random, poorly compressible text of `bytes` length. */
export function randomText(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
}

export interface Fixture {
  dir: string;
  dest: string;
  stateDir: string;
  repo: string;
  passwordFile: string;
  configFile: string;
  cleanup: () => Promise<void>;
  /** Rewrites the config with these offsite fields merged in. */
  writeConfig: (offsite?: Record<string, unknown>) => Promise<void>;
  /** restic's environment for checking the repository directly in a test. */
  resticEnv: NodeJS.ProcessEnv;
}

/** A store with the given snapshots, a password file, a local repository path and a config. */
export async function fixture(snapshots: { id: string; files: Record<string, string> }[]): Promise<Fixture> {
  const { dir, cleanup } = await tempDir('avb-offsite-');
  const dest = path.join(dir, 'dest');
  const stateDir = path.join(dir, 'state');
  const repo = path.join(dir, 'repo');
  const passwordFile = path.join(dir, 'secret', 'offsite-password.txt');
  const configFile = path.join(dir, 'config.json');
  await mkdir(path.dirname(passwordFile), { recursive: true });
  await writeFile(passwordFile, `${PASSWORD}\r\n`);
  await buildStore(dest, snapshots);
  const writeConfig = async (offsite: Record<string, unknown> = {}) => {
    const config = {
      source: path.join(dir, 'live'),
      destination: dest,
      stateDir,
      offsite: { restic: RESTIC, repository: repo, passwordFile, ...offsite },
    };
    await writeFile(configFile, JSON.stringify(config, null, 2));
  };
  await writeConfig();
  return {
    dir,
    dest,
    stateDir,
    repo,
    passwordFile,
    configFile,
    cleanup,
    writeConfig,
    resticEnv: {
      ...process.env,
      RESTIC_REPOSITORY: repo,
      RESTIC_PASSWORD_FILE: passwordFile,
      RESTIC_CACHE_DIR: path.join(stateDir, 'restic-cache'),
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `rclone serve restic --append-only` on a free loopback port; stopped by the returned function. */
export async function startAppendOnlyServer(root: string): Promise<{ url: string; stop: () => Promise<void> }> {
  await mkdir(root, { recursive: true });
  const port = await freePort();
  const child = spawn('rclone', ['serve', 'restic', '--append-only', '--addr', `127.0.0.1:${port}`, root], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rclone did not start within 20 s: ${log}`));
    }, 20_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('Serving restic REST API')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr.on('data', onData);
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rclone exited (${code}): ${log}`));
    });
  });
  return {
    url: `rest:http://127.0.0.1:${port}/clinic1`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Parses the one JSON object a --json run prints. */
export function jsonOf(result: CliResult): Record<string, unknown> {
  try {
    return JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}
