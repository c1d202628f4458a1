import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_KILL_AFTER_STEP_ENV } from '../../../src/lockout/session';
import { collect, runCli, startCli } from '../../helpers/cli';
import { simServerState, simulatedHospital, type SimHospital } from '../../helpers/hospital';

let h: SimHospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const STEPS = [
  'safety net', // issue 13: a scheduled task that runs recover if this process dies without a word
  'rename executable',
  'lock share',
  'polite close', // issue 13 §8: asked to close while AVImarkServer and the open files still work
  'close open files',
  'stop AVImarkServer',
  'stop VetLogicSync',
  'force-stop',
];

describe('kill -9 right after each lockout step, then recover (real bridge, simulated server)', {
  timeout: 240_000,
}, () => {
  STEPS.forEach((name, i) => {
    const n = i + 1;
    it(`after step ${n} (${name}): recover restores share ACL, service start types and states, executable names exactly`, async () => {
      h = await simulatedHospital();
      await h.writeConfig({ lockout: { warnMinutes: [0] } });
      const before = await simServerState(h);
      const killed = await runCli(['backup', '--config', h.configFile], {
        env: { ...h.server.env, AVIMARK_TEST_CLI: 'bundle', [TEST_KILL_AFTER_STEP_ENV]: String(n) },
        timeoutMs: 180_000,
      });
      expect(killed.signal).toBe('SIGKILL');
      const journal = JSON.parse(await readFile(path.join(h.stateDir, 'lockout-journal.json'), 'utf8'));
      expect(journal.entries).toHaveLength(n);
      expect(journal.entries.at(-1).state).toBe('done');
      if (n >= 2 && n <= 3) expect(await simServerState(h)).not.toEqual(before);

      const status = await runCli(['status', '--config', h.configFile, '--json'], { env: h.server.env });
      expect(JSON.parse(status.stdout).state).toBe('locked-left-behind');

      const r = await runCli(['recover', '--config', h.configFile], { env: h.server.env, timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      // The watchdog service is restarted by the simulator's clock; give it no chance to hide a difference.
      expect(await simServerState(h)).toEqual(before);
      const again = await runCli(['recover', '--config', h.configFile], { env: h.server.env, timeoutMs: 120_000 });
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/Nothing to recover/);
      expect(await simServerState(h)).toEqual(before);
    });
  });
});

describe('signals and concurrency through the CLI', { timeout: 240_000 }, () => {
  it('Ctrl+C (SIGINT) during the copy: AVImark is given back, exit 1, the partial is kept', async () => {
    const files: Record<string, string> = { 'avimark.exe': 'MZ', 'CLIENT.V2$': 'c', 'ANIMAL.V2$': 'a' };
    for (let i = 0; i < 100; i += 1) files[`My Documents/doc${i}.pdf`] = 'x'.repeat(20_000);
    h = await simulatedHospital({ files });
    await h.writeConfig({ lockout: { warnMinutes: [0] } });
    const before = await simServerState(h);
    // Every fsync of a copied file waits 1 s (a test-only preload), so the copy is still running when the
    // signal lands: a fast disk used to finish it first, and a signal sent once the journal was complete
    // could land before the quiet proof (the lockout, not the copy, was then cut short).
    const child = startCli(['backup', '--config', h.configFile], {
      env: {
        ...h.server.env,
        AVIMARK_TEST_CLI: 'bundle',
        NODE_OPTIONS: `--require ${path.join(__dirname, '../../helpers/slow-sync.cjs')}`,
        // Files of the partial snapshot (in-progress/<id>/…), not its checkpoint (in-progress/<id>.state/…).
        AVB_TEST_SLOW_SYNC_MATCH: `^${h.dest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/in-progress/[^/.]+/`,
        AVB_TEST_SLOW_SYNC_MS: '1000',
      },
    });
    const done = collect(child, 180_000);
    // The copy starts right after this line (the quiet proof is the last thing before it).
    let seen = '';
    await new Promise<void>((resolve) => {
      const watch = (d: string) => {
        seen += d;
        if (!seen.includes('AVImark is quiet')) return;
        child.stderr?.off('data', watch);
        resolve();
      };
      child.stderr?.on('data', watch);
      child.on('close', () => resolve());
    });
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/interrupted by SIGINT: AVImark was given back; the partial snapshot is kept/);
    expect(await readdir(path.join(h.dest, 'in-progress'))).toHaveLength(2); // the partial and its state
    expect(await simServerState(h)).toEqual(before);
  });

  it('two runs at once: the second is refused while the first runs; both leave the server as it was', async () => {
    h = await simulatedHospital();
    await h.writeConfig({ lockout: { warnMinutes: [0.15] } });
    const before = await simServerState(h);
    const first = startCli(['backup', '--config', h.configFile], {
      env: { ...h.server.env, AVIMARK_TEST_CLI: 'bundle' },
    });
    const firstDone = collect(first, 180_000);
    const lock = path.join(h.stateDir, 'run.lock');
    for (let i = 0; i < 600; i += 1) {
      if (await readFile(lock, 'utf8').catch(() => null)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = await runCli(['backup', '--config', h.configFile], {
      env: { ...h.server.env, AVIMARK_TEST_CLI: 'bundle' },
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another backup \(pid \d+/);
    const r = await firstDone;
    expect(r.code, r.stderr).toBe(0);
    expect(await simServerState(h)).toEqual(before);
  });
});
