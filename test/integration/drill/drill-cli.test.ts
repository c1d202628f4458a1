import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../helpers/cli';
import type { DrillRecord } from '../../../src/store/types';
import { AVIMARK_FILES, fingerprint, makeStore } from '../../helpers/store';

const ID1 = '2026-11-24_021000';
const ID2 = '2026-11-25_021400';
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

let stateCleanup: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  // The drill tests run the bundle: the single executable may be older than the code under test.
  process.env.AVIMARK_TEST_CLI = 'bundle';
  // Logs go to the default state folder's logs/: keep them in a temporary one.
  const state = await tempDir('avb-drill-state-');
  stateCleanup = state.cleanup;
  process.env.AVIMARK_BACKUP_STATE_DIR = state.dir;
});

afterAll(async () => {
  await stateCleanup();
});

async function store(
  files: Record<string, string> = AVIMARK_FILES,
): Promise<{ root: string; dest: string; source: string }> {
  const { dir, cleanup } = await tempDir('avb-drill-');
  cleanups.push(cleanup);
  const dest = path.join(dir, 'dest');
  const source = path.join(dir, 'live', 'AVImark');
  await makeStore(dest, [
    { id: ID1, files: AVIMARK_FILES },
    { id: ID2, files: { ...files } },
  ]);
  return { root: dir, dest, source };
}

async function readDrill(dest: string, id: string): Promise<DrillRecord> {
  return JSON.parse(await readFile(path.join(dest, 'meta', id, 'drill.json'), 'utf8')) as DrillRecord;
}

async function writeConfig(root: string, config: object): Promise<string> {
  const file = path.join(root, 'config.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

describe('avimark-backup drill', () => {
  it('passes on a good snapshot, records it, removes the scratch folder and leaves the snapshot untouched', async () => {
    const { dest } = await store();
    const before = await fingerprint(path.join(dest, 'snapshots'));
    const res = await runCli(['drill', '--dest', dest]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`Restore drill of ${ID2} PASSED`);
    const record = await readDrill(dest, ID2);
    expect(record).toMatchObject({ snapshotId: ID2, ok: true, problems: [], command: null, commandExitCode: null });
    expect(record.filesChecked).toBe(Object.keys(AVIMARK_FILES).length);
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
    expect(await fingerprint(path.join(dest, 'snapshots'))).toEqual(before);
    expect(existsSync(path.join(dest, 'meta', ID1, 'drill.json'))).toBe(false);
  });

  it('drills the snapshot named by ID and prints the record under --json', async () => {
    const { dest } = await store();
    const res = await runCli(['drill', ID1, '--dest', dest, '--json']);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const json = JSON.parse(res.stdout) as DrillRecord;
    expect(json).toMatchObject({ snapshotId: ID1, ok: true });
    expect((await readDrill(dest, ID1)).ok).toBe(true);
  });

  it('fails with exit 3 naming the file when a snapshot file is damaged', async () => {
    const { dest } = await store();
    const victim = path.join(dest, 'snapshots', ID2, 'CLIENT.V2$');
    const original = await readFile(victim, 'utf8');
    await chmod(victim, 0o644);
    await writeFile(victim, original.replace('client', 'CLIENT')); // same size, other bytes: bit rot
    const res = await runCli(['drill', '--dest', dest]);
    expect(res.code, res.stderr + res.stdout).toBe(3);
    expect(res.stdout).toContain('FAILED');
    expect(res.stdout).toMatch(/damaged: CLIENT\.V2\$ \(restored content does not match the manifest/);
    const record = await readDrill(dest, ID2);
    expect(record.ok).toBe(false);
    // Found while restoring and again when reading the copy back: reported once.
    expect(record.problems).toHaveLength(1);
    expect(record.problems[0]).toContain('CLIENT.V2$');
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
  });

  it('fails with exit 3 naming a file that vanished from the snapshot folder', async () => {
    const { dest } = await store();
    await rm(path.join(dest, 'snapshots', ID2, 'My Documents', 'letter.doc'));
    const res = await runCli(['drill', '--dest', dest]);
    expect(res.code, res.stderr + res.stdout).toBe(3);
    expect((await readDrill(dest, ID2)).problems).toEqual(['missing from the snapshot: My Documents/letter.doc']);
    expect(res.stdout).toContain('missing from the snapshot: My Documents/letter.doc');
  });

  it('fails with exit 3 when a file AVImark needs is not in the snapshot', async () => {
    const files = { ...AVIMARK_FILES };
    delete files['TREAT.V2$'];
    const { dest } = await store(files);
    const res = await runCli(['drill', '--dest', dest]);
    expect(res.code, res.stderr + res.stdout).toBe(3);
    expect(res.stdout).toContain('required file missing: TREAT.V2$');
    expect((await readDrill(dest, ID2)).problems).toEqual([
      'required file missing: TREAT.V2$ (AVImark cannot start without it)',
    ]);
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
  });

  it('uses drill.requiredFiles from the configuration (case-insensitive, like Windows)', async () => {
    const { root, dest, source } = await store();
    const config = await writeConfig(root, {
      source,
      destination: dest,
      drill: { requiredFiles: ['client.v2$', 'PRICE.V2$'] },
    });
    const res = await runCli(['drill', '--config', config]);
    expect(res.code, res.stderr + res.stdout).toBe(3);
    expect((await readDrill(dest, ID2)).problems).toEqual([
      'required file missing: PRICE.V2$ (AVImark cannot start without it)',
    ]);
  });

  it("runs the administrator's command on the restored copy, without a shell; its exit code is the verdict", async () => {
    const { root, dest, source } = await store();
    const marker = path.join(root, 'shell-ran');
    const script = [
      'const fs = require("node:fs"); const path = require("node:path");',
      'const dir = process.argv[1];',
      'if (!fs.existsSync(path.join(dir, "CLIENT.V2$"))) { console.error("no CLIENT.V2$ in " + dir); process.exit(9); }',
      'if (process.env.AVIMARK_DRILL_DIR !== dir || process.cwd() !== dir) process.exit(8);',
      'fs.writeFileSync(path.join(dir, "CLIENT.V2$"), "the copy is writable and independent");',
      'console.log("inventory opened fine");',
    ].join('\n');
    const config = await writeConfig(root, {
      source,
      destination: dest,
      drill: { command: [process.execPath, '-e', script, '{dir}', `$(touch ${marker}); touch ${marker}`] },
    });
    const before = await fingerprint(path.join(dest, 'snapshots'));
    const res = await runCli(['drill', '--config', config, '--json']);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const json = JSON.parse(res.stdout) as DrillRecord & { commandOutputTail: string };
    expect(json.ok).toBe(true);
    expect(json.commandExitCode).toBe(0);
    expect(json.commandOutputTail).toContain('inventory opened fine');
    expect(json.command).toContain('{dir}');
    expect(existsSync(marker)).toBe(false);
    expect(await fingerprint(path.join(dest, 'snapshots'))).toEqual(before);
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
  });

  it('fails with exit 3 naming the command, its exit code and its last words when the command fails', async () => {
    const { root, dest, source } = await store();
    const config = await writeConfig(root, {
      source,
      destination: dest,
      drill: {
        command: [
          process.execPath,
          '-e',
          'console.log("checking {dir}"); console.error("inventory table INVENT.V2$ is unreadable"); process.exit(7)',
        ],
      },
    });
    const res = await runCli(['drill', '--config', config]);
    expect(res.code, res.stderr + res.stdout).toBe(3);
    expect(res.stdout).toMatch(/drill command .* exited with code 7/);
    expect(res.stdout).toContain('inventory table INVENT.V2$ is unreadable');
    const record = await readDrill(dest, ID2);
    expect(record.ok).toBe(false);
    expect(record.commandExitCode).toBe(7);
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
  });

  it('reports a command that cannot start as a failed drill', async () => {
    const { root, dest, source } = await store();
    const config = await writeConfig(root, {
      source,
      destination: dest,
      drill: { command: [path.join(root, 'no-such-tool.exe'), '{dir}'] },
    });
    const res = await runCli(['drill', '--config', config]);
    expect(res.code, res.stderr + res.stdout).toBe(3);
    expect(res.stdout).toContain('no-such-tool.exe');
    expect(res.stdout).toContain('could not start');
  });

  it('drills a store made by the backup command', async () => {
    const { dir, cleanup } = await tempDir('avb-drill-real-');
    cleanups.push(cleanup);
    const source = path.join(dir, 'AVImark');
    const dest = path.join(dir, 'dest');
    for (const [rel, content] of Object.entries(AVIMARK_FILES)) {
      await mkdir(path.dirname(path.join(source, rel)), { recursive: true });
      await writeFile(path.join(source, rel), content);
    }
    const first = await runCli(['backup', '--source', source, '--dest', dest, '--no-lockout']);
    expect(first.code, first.stderr).toBe(0);
    await writeFile(path.join(source, 'CLIENT.V2$'), 'one more client');
    const second = await runCli(['backup', '--source', source, '--dest', dest, '--no-lockout']);
    expect(second.code, second.stderr).toBe(0);
    const before = await fingerprint(path.join(dest, 'snapshots'));
    const res = await runCli(['drill', '--dest', dest, '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true, filesChecked: Object.keys(AVIMARK_FILES).length });
    expect(await fingerprint(path.join(dest, 'snapshots'))).toEqual(before);
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
  });

  it('refuses an unknown snapshot id with exit 2 and touches nothing', async () => {
    const { dest } = await store();
    const res = await runCli(['drill', '2020-01-01_000000', '--dest', dest]);
    expect(res.code, res.stderr + res.stdout).toBe(2);
    expect(res.stderr).toContain('2020-01-01_000000');
    expect(existsSync(path.join(dest, 'drill-scratch'))).toBe(false);
  });
});
