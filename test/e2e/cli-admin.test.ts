/**
 * The administrator's experience through the real CLI (issue 16, items 5–10): a missing destination disk,
 * permission errors, JSON escapes in config paths, status showing every run in one time zone, restore
 * interrupted by Ctrl+C, and every command's --help listing its exit codes.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESTORE_MARKER } from '../../src/engine/restore-marker';
import { cliCommand, collect, runCli, startCli, tempDir } from '../helpers/cli';
import { bundlePath } from '../helpers/pwsh';
import { writeSampleFolder } from '../helpers/sample-folder';

let dir: string;
let cleanup: () => Promise<void>;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('avb-cli-admin-'));
  env = { AVIMARK_BACKUP_STATE_DIR: path.join(dir, 'state') };
});
afterEach(async () => cleanup());

const run = (args: string[]) => runCli(args, { env, cwd: dir });
const LOCAL_TIME = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d/;

async function backup(source: string, dest: string): Promise<string> {
  const r = await run(['backup', '--source', source, '--dest', dest, '--no-lockout', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).snapshotId as string;
}

describe('a missing destination disk or share (item 5)', () => {
  it('backup exits 2 saying the destination is not available; nothing is created', async () => {
    const source = path.join(dir, 'AVImark');
    await writeSampleFolder(source);
    const dest = path.join(dir, 'mnt', 'usb', 'AVImarkBackup');
    const r = await run(['backup', '--source', source, '--dest', dest, '--no-lockout']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the destination ${dest} is not available — is the backup disk connected?`);
    expect(r.stderr).not.toMatch(/unexpected error|ENOENT/);
    expect(existsSync(path.join(dir, 'mnt'))).toBe(false);
  });

  it('list exits 2 and status says the destination is unreachable, not "no backup yet"', async () => {
    const dest = path.join(dir, 'mnt', 'usb', 'AVImarkBackup');
    const list = await run(['list', '--dest', dest]);
    expect(list.code).toBe(2);
    expect(list.stderr).toMatch(/is not available — is the backup disk connected\?/);
    const status = await run(['status', '--dest', dest]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.split('\n')[0]).toBe(
      `The destination ${dest} is not available — is the backup disk connected?`,
    );
    expect(status.stdout).not.toMatch(/No backup has been made yet|Newest snapshot: none/);
    const json = JSON.parse((await run(['status', '--dest', dest, '--json'])).stdout);
    expect(json).toMatchObject({ destinationAvailable: false, state: 'free' });
  });
});

describe('JSON escapes in config paths (item 7)', () => {
  it.each([
    ['stateDir', 'D:\\new', 'newline', 'D:\\\\new', 'D:/new'],
    ['destination', 'D:\\tmp', 'tab', 'D:\\\\tmp', 'D:/tmp'],
  ])('%s written as "%s" is refused, pointing at the escape', async (field, written, what, doubled, slashed) => {
    const file = path.join(dir, 'config.json');
    const source = JSON.stringify(path.join(dir, 'AVImark'));
    const fields: Record<string, string> = { destination: JSON.stringify(path.join(dir, 'b')) };
    fields[field] = `"${written}"`;
    const body = Object.entries(fields)
      .map(([k, v]) => `  "${k}": ${v}`)
      .join(',\n');
    await writeFile(file, `{\n  "source": ${source},\n${body}\n}\n`);
    const r = await run(['list', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${field}: "\\${written.split('\\')[1][0]}" in this path is a JSON escape (a ${what})`);
    expect(r.stderr).toContain(`write "${doubled}" or "${slashed}"`);
  });
});

describe('status shows every run, in local time (item 8)', () => {
  it('lists --no-lockout runs with local times and their offset', async () => {
    const source = path.join(dir, 'AVImark');
    await writeSampleFolder(source);
    const dest = path.join(dir, 'backup');
    const first = await backup(source, dest);
    await writeFile(path.join(source, 'CLIENT.V2$'), 'changed');
    const second = await backup(source, dest);
    const status = await run(['status', '--dest', dest]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).not.toMatch(/Last run: none/);
    const runLines = status.stdout.split('\n').filter((l) => l.includes('backup --no-lockout: success'));
    expect(runLines).toHaveLength(2);
    expect(runLines[0]).toContain(second);
    expect(runLines[1]).toContain(first);
    for (const line of runLines) expect(line).toMatch(LOCAL_TIME);
    // One zone: no UTC ISO stamp anywhere in the text.
    expect(status.stdout).not.toMatch(/\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/);
    const json = JSON.parse((await run(['status', '--dest', dest, '--json'])).stdout);
    expect(json.runs.map((r: { snapshotId: string }) => r.snapshotId)).toEqual([second, first]);
  });
});

describe('status shows a --no-lockout run that did not finish (item 8)', () => {
  it('an interrupted --no-lockout backup with a config is in status', async () => {
    const source = path.join(dir, 'AVImark');
    await mkdir(source);
    for (let i = 0; i < 24; i += 1) await writeFile(path.join(source, `DATA${i}.V2$`), randomBytes(6 << 20));
    const dest = path.join(dir, 'backup');
    const config = path.join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        source,
        destination: dest,
        stateDir: path.join(dir, 'state'),
        alerts: { eventLog: { enabled: false } },
        verify: { after: 'none' },
      }),
    );
    const child = startCli(['backup', '--config', config, '--no-lockout'], { env, cwd: dir });
    const done = collect(child, 120_000);
    while (!existsSync(path.join(dest, 'in-progress')) && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(1);
    const status = await run(['status', '--config', config]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d {2}backup --no-lockout: failed/m);
    expect(status.stdout).toMatch(
      /the backup was interrupted; the partial snapshot \S+ will be resumed by the next run/,
    );
    expect(status.stdout.split('\n')[0]).toMatch(/^The last backup FAILED/);
  }, 180_000);
});

describe('restore interrupted by Ctrl+C (item 9)', () => {
  it('exits 1 with a message, removes its unfinished files, and a rerun names the interrupted restore', async () => {
    const source = path.join(dir, 'AVImark');
    await mkdir(source);
    for (let i = 0; i < 24; i += 1) await writeFile(path.join(source, `DATA${i}.V2$`), randomBytes(6 << 20));
    const dest = path.join(dir, 'backup');
    const id = await backup(source, dest);
    const target = path.join(dir, 'restored');
    const child = startCli(['restore', id, '--dest', dest, '--to', target], { env, cwd: dir });
    const done = collect(child, 120_000);
    const marker = path.join(target, RESTORE_MARKER);
    while (!existsSync(marker) && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the restore of .* was interrupted after \d+ files?; its unfinished files were removed/);
    const left = await readdir(target);
    // Only the marker and whole files remain: no temporary copy (".avb-<pid>-<n>.tmp", formerly "….avb-restoring").
    expect(left.filter((n) => /^\.avb-\d+-\d+\.tmp$|\.avb-restoring$/.test(n))).toEqual([]);
    expect(left.filter((n) => n !== RESTORE_MARKER).every((n) => /^DATA\d+\.V2\$$/.test(n))).toBe(true);
    expect(left).toContain(RESTORE_MARKER);

    const again = await run(['restore', id, '--dest', dest, '--to', target]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${target} holds an interrupted restore of snapshot ${id}`);
    expect(again.stderr).toMatch(/run the same restore again with --force/);
    const finished = await run(['restore', id, '--dest', dest, '--to', target, '--force']);
    expect(finished.code, finished.stderr).toBe(0);
    expect(await readdir(target)).not.toContain(RESTORE_MARKER);
    expect((await readdir(target)).length).toBe(24);
  }, 180_000);
});

describe('help, units, words (item 10)', () => {
  it('every command lists its exit codes; backup lists 0 to 5', async () => {
    const top = await run(['--help']);
    const names = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((n) => n !== 'help');
    expect(names).toEqual(expect.arrayContaining(['backup', 'restore', 'status', 'list', 'init', 'drill']));
    for (const name of names) {
      const help = await run([name, '--help']);
      expect(help.stdout, name).toMatch(/Exit codes:/);
      for (const code of [0, 1, 2]) expect(help.stdout, `${name} exit ${code}`).toMatch(new RegExp(`\\b${code}\\b`));
    }
    const backupHelp = (await run(['backup', '--help'])).stdout;
    for (const code of [0, 1, 2, 3, 4, 5]) expect(backupHelp).toMatch(new RegExp(`^ {2}${code} {2}\\S`, 'm'));
  });

  it('help piped into a reader that has gone (`| head`) exits 0 without a stack trace', async () => {
    const child = startCli(['verify', '--help'], { env, cwd: dir });
    child.stdout?.destroy(); // the read end closes before the CLI writes: its write fails with EPIPE
    const r = await collect(child, 60_000);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(r.code).toBe(0);
  });

  it('"1 entry", not "1 entries"; init writes config.json, the name the README uses', async () => {
    const source = path.join(dir, 'AVImark');
    await writeSampleFolder(source);
    const dest = path.join(dir, 'backup');
    const id = await backup(source, dest);
    const target = path.join(dir, 'busy');
    await mkdir(target);
    await writeFile(path.join(target, 'one.txt'), 'x');
    const r = await run(['restore', id, '--dest', dest, '--to', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the folder is not empty (1 entry)');

    const init = await run(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'config.json'))).toBe(true);
    const readme = await readFile(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain('avimark-backup init --out C:\\ProgramData\\avimark-backup\\config.json');
  });
});

describe('progress on a terminal only (item 12)', () => {
  it('restore shows a live line with an ETA on a terminal, and nothing when its output is a pipe', async () => {
    const source = path.join(dir, 'AVImark');
    await writeSampleFolder(source);
    const dest = path.join(dir, 'backup');
    const backedUp = await run(['backup', '--source', source, '--dest', dest, '--no-lockout']);
    expect(backedUp.code, backedUp.stderr).toBe(0);
    expect(backedUp.stderr).not.toMatch(/ETA|progress/);
    const id = (await readdir(path.join(dest, 'snapshots'))).sort().at(-1) ?? '';
    const piped = await run(['restore', id, '--dest', dest, '--to', path.join(dir, 'piped')]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout + piped.stderr).not.toMatch(/ETA|restoring /);
    const onTty = await onTerminal(['restore', id, '--dest', dest, '--to', path.join(dir, 'tty')]);
    expect(onTty.code, onTty.stdout).toBe(0);
    expect(onTty.stdout).toMatch(new RegExp(`\\rrestoring ${id}: \\d+ files, .* of .*, .*/s, ETA \\S+`));
    expect(onTty.stdout).toMatch(/\r?\nRestored /);
  });

  it('verify shows its total and an ETA on a terminal (the run record gives the size), nothing when piped', async () => {
    const source = path.join(dir, 'AVImark');
    await writeSampleFolder(source);
    const dest = path.join(dir, 'backup');
    expect((await run(['backup', '--source', source, '--dest', dest, '--no-lockout'])).code).toBe(0);
    const id = (await readdir(path.join(dest, 'snapshots'))).sort().at(-1) ?? '';
    const piped = await run(['verify', id, '--dest', dest]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout + piped.stderr).not.toMatch(/ETA|verifying /);
    const onTty = await onTerminal(['verify', id, '--dest', dest]);
    expect(onTty.code, onTty.stdout).toBe(0);
    expect(onTty.stdout).toMatch(new RegExp(`\\rverifying ${id}: \\d+ files, .* of .* \\(\\d+%\\), .*/s, ETA \\S+`));
  });
});

/**
 * Runs the tool under `script`, which gives it a pseudo-terminal as an administrator's console over RDP
 * would; its output (progress lines included) comes back on stdout.
 */
async function onTerminal(args: string[]): Promise<{ code: number | null; stdout: string }> {
  execFileSync('script', ['--version'], { stdio: 'ignore' }); // util-linux; throws (fails the test) if missing
  const { file, prefix } = cliCommand();
  const line = [file, ...prefix, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const { spawn } = await import('node:child_process');
  const child = spawn('script', ['-qec', line, '/dev/null'], { cwd: dir, env: { ...process.env, ...env } });
  return collect(child, 60_000);
}

/** The tool as an unprivileged account: as `nobody` through setpriv when the tests run as root. */
function asUnprivileged(): { prefix: string[]; file: string; user: string; bundle: string } | null {
  const bundle = path.join(dir, 'avimark-backup.cjs');
  copyFileSync(bundlePath, bundle);
  chmodSync(bundle, 0o644);
  chmodSync(dir, 0o755);
  if (process.getuid?.() !== 0) {
    return { prefix: [bundle], file: process.execPath, user: execFileSync('id', ['-un']).toString().trim(), bundle };
  }
  try {
    const uid = execFileSync('id', ['-u', 'nobody']).toString().trim();
    const gid = execFileSync('id', ['-g', 'nobody']).toString().trim();
    return {
      file: 'setpriv',
      prefix: ['--reuid', uid, '--regid', gid, '--clear-groups', process.execPath, bundle],
      user: 'nobody',
      bundle,
    };
  } catch {
    return null;
  }
}

async function runAs(who: { prefix: string[]; file: string }, args: string[]) {
  const { spawn } = await import('node:child_process');
  const child = spawn(who.file, [...who.prefix, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, AVIMARK_BACKUP_STATE_DIR: path.join(dir, 'state-u') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, 60_000);
}

describe('permission errors (item 6)', () => {
  it('name the path, the account and the access needed; never "unexpected error"', async () => {
    const who = asUnprivileged();
    if (!who) return;
    const source = path.join(dir, 'AVImark');
    await writeSampleFolder(source);
    await chmod(source, 0o755);
    execFileSync('chmod', ['-R', 'a+rX', source]);
    const locked = path.join(dir, 'locked');
    await mkdir(locked, { mode: 0o555 });
    await chmod(locked, 0o555);
    if (process.getuid?.() === 0) chownSync(locked, 0, 0);
    const dest = path.join(locked, 'AVImarkBackup');
    const r = await runAs(who, ['backup', '--source', source, '--dest', dest, '--no-lockout']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`permission denied: the account ${who.user} is not allowed to create the folder ${dest}`),
    );
    expect(r.stderr).toMatch(/hint: give the account/);
    expect(r.stderr).not.toMatch(/unexpected error/);
  });

  it('verify on a read-only store prints its verdict; not recording it is a warning', async () => {
    const who = asUnprivileged();
    if (!who) return;
    const source = path.join(dir, 'AVImark');
    await writeSampleFolder(source);
    const dest = path.join(dir, 'backup');
    const id = await backup(source, dest);
    // Readable by everyone, writable by no one but root (the owner).
    execFileSync('chmod', ['-R', 'a+rX,go-w', dest]);
    if (process.getuid?.() !== 0) execFileSync('chmod', ['-R', 'a-w', path.join(dest, 'meta')]);
    const r = await runAs(who, ['verify', id, '--dest', dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${id}: OK`);
    expect(r.stdout).toMatch(/warning: the verdict could not be recorded in .*verify\.json: permission denied/);
    expect(r.stderr).not.toMatch(/unexpected error/);
    if (process.getuid?.() !== 0) execFileSync('chmod', ['-R', 'u+w', path.join(dest, 'meta')]);
  });
});
