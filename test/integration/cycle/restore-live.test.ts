import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { simServerState, simulatedHospital, type SimHospital } from '../../helpers/hospital';

let h: SimHospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('restore --to-live through the real bridge and the simulated server', { timeout: 300_000 }, () => {
  it('puts the snapshot in place under lockout, keeps the old folder, gives AVImark back exactly', async () => {
    h = await simulatedHospital();
    await h.writeConfig({ lockout: { warnMinutes: [0] } });
    const env = { ...h.server.env, AVIMARK_TEST_CLI: 'bundle' };
    const b = await runCli(['backup', '--config', h.configFile, '--json'], { env, timeoutMs: 180_000 });
    expect(b.code, b.stderr).toBe(0);
    // The day goes wrong; users are back on the share.
    await writeFile(path.join(h.source, 'CLIENT.V2$'), 'corrupted');
    const before = await simServerState(h);
    await h.server.startProcess({ name: h.processName });

    const dry = await runCli(['restore', 'latest', '--to-live', '--dry-run', '--config', h.configFile], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/rename .*AVImark to .*AVImark\.before-restore-/);
    expect(await readFile(path.join(h.source, 'CLIENT.V2$'), 'utf8')).toBe('corrupted');

    const r = await runCli(['restore', 'latest', '--to-live', '--config', h.configFile], { env, timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/is now the live AVImark folder/);
    expect(await readFile(path.join(h.source, 'CLIENT.V2$'), 'utf8')).toBe('clients\n');
    const aside = (await readdir(path.dirname(h.source))).filter((n) => n.startsWith('AVImark.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(path.join(path.dirname(h.source), aside[0], 'CLIENT.V2$'), 'utf8')).toBe('corrupted');
    expect((await readdir(path.join(path.dirname(h.source), aside[0]))).sort()).toContain('avimark.exe');
    expect(await simServerState(h)).toEqual(before);
  });
});
