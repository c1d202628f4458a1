/**
 * Crash campaign, lockout part: the full nightly cycle (real CLI, real PowerShell bridge, simulated
 * Windows server) is killed -9 right after lockout step N (the cycle's own test hook,
 * AVIMARK_BACKUP_TEST_KILL_AFTER_STEP, as in test/integration/cycle/kill-recover.test.ts) or at a
 * seeded moment during the copy under lockout. Then `recover` must put the server back exactly
 * (share SDDL and definition, service start types and states, executable names), and a new nightly
 * `backup` must succeed, store exactly the source, and leave the server as it was.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TEST_KILL_AFTER_STEP_ENV } from '../../../src/lockout/session';
import { simServerState, simulatedHospital } from '../../helpers/hospital';
import { checkStore, diffTrees, hashTree } from '../lib/oracle';
import { type CampaignOptions, type TrialResult, cli, listedIds, randomBytes, seededRandom } from '../lib/util';
import { bundlePath } from '../../helpers/pwsh';

/** Lockout steps of the hospital fixture, in order (see kill-recover.test.ts). */
const STEPS = [
  'safety net',
  'rename executable',
  'lock share',
  'polite close',
  'close open files',
  'stop AVImarkServer',
  'stop VetLogicSync',
  'force-stop',
];

/** One trial: k = 0..7 kills after lockout step k+1, 8 kills during the copy (for `npm test`). */
export function crashLockoutTrial(k: number, seed: number): Promise<TrialResult> {
  return trial(k, seededRandom(seed), `seed ${seed}`);
}

export async function crashLockoutCampaign(options: CampaignOptions): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  for (let t = 0; t < options.trials; t += 1) {
    const random = seededRandom(options.seed * 7919 + t);
    const k = (options.seed + t) % (STEPS.length + 1); // 0..7 → after step k+1; 8 → during the copy
    results.push(await trial(k, random, `seed ${options.seed} trial ${t}`));
    const r = results.at(-1);
    options.log?.(`  crash-lockout ${r?.name}: ${r?.problems.length ? 'FAILED' : 'ok'} ${r?.note ?? ''}`);
  }
  return results;
}

async function trial(k: number, random: () => number, label: string): Promise<TrialResult> {
  const files: Record<string, string> = {
    'avimark.exe': 'MZ program',
    'CLIENT.V2$': 'clients\n',
    'ANIMAL.V2$': 'animals\n',
    'AVImark.db$': 'db',
  };
  for (let i = 0; i < 150; i += 1) files[`Docs/doc${i}.pdf`] = randomBytes(random, 20_000).toString('base64');
  const h = await simulatedHospital({ files });
  const problems: string[] = [];
  const killAfter = k < STEPS.length ? k + 1 : null;
  const note = killAfter ? `killed after step ${killAfter} (${STEPS[k]})` : 'killed during the copy under lockout';
  try {
    await h.writeConfig({ lockout: { warnMinutes: [0] } });
    const before = await simServerState(h);
    const sourceHash = hashTree(h.source);
    const env = h.server.env;

    if (killAfter) {
      const r = await cli(['backup', '--config', h.configFile], {
        env: { ...env, [TEST_KILL_AFTER_STEP_ENV]: String(killAfter) },
        timeoutMs: 180_000,
      });
      if (r.signal !== 'SIGKILL')
        problems.push(`expected a kill after step ${killAfter}, got exit ${r.code}: ${r.stderr.trim()}`);
    } else {
      // Kill -9 at a seeded moment after the whole lockout is journaled (i.e. while copying offline).
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [bundlePath, 'backup', '--config', h.configFile], {
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const journal = path.join(h.stateDir, 'lockout-journal.json');
      const deadline = Date.now() + 120_000;
      let locked = false;
      while (Date.now() < deadline && child.exitCode === null) {
        try {
          const j = JSON.parse(readFileSync(journal, 'utf8')) as { entries: Array<{ state: string }> };
          if (j.entries.length === STEPS.length && j.entries.every((e) => e.state === 'done')) {
            locked = true;
            break;
          }
        } catch {
          // not written yet
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      if (locked) await new Promise((r) => setTimeout(r, Math.floor(random() * 300)));
      child.kill('SIGKILL');
      await exited;
      if (!locked) problems.push('the lockout never completed before the run ended');
    }

    const status = await cli(['status', '--config', h.configFile, '--json'], { env });
    const state = (JSON.parse(status.stdout) as { state?: string }).state;
    if (state !== 'locked-left-behind' && state !== 'nothing-locked')
      problems.push(`status after the kill says ${state}`);
    const rec = await cli(['recover', '--config', h.configFile], { env, timeoutMs: 120_000 });
    if (rec.code !== 0) problems.push(`recover exit ${rec.code}: ${rec.stderr.trim()}`);
    for (const d of diffServer(before, await simServerState(h))) problems.push(`after recover: ${d}`);
    const listed = listedIds((await cli(['list', '--config', h.configFile, '--json'], { env })).stdout);
    problems.push(...checkStore(h.dest, listed).map((p) => `after kill: ${p}`));

    // The hospital reopens AVImark; the next night's backup must work and leave everything as it was.
    await h.server.startProcess({ name: h.processName, exitsOnMessage: true });
    await h.server.startProcess({ name: h.processName });
    const again = await cli(['backup', '--config', h.configFile, '--json'], { env, timeoutMs: 180_000 });
    if (again.code !== 0) problems.push(`the next backup failed (exit ${again.code}): ${again.stderr.trim()}`);
    else {
      const id = (JSON.parse(again.stdout) as { snapshotId: string }).snapshotId;
      for (const d of diffTrees(sourceHash, hashTree(path.join(h.dest, 'snapshots', id))))
        problems.push(`next snapshot vs source: ${d}`);
    }
    for (const d of diffServer(before, await simServerState(h))) problems.push(`after the next backup: ${d}`);
    const listed2 = listedIds((await cli(['list', '--config', h.configFile, '--json'], { env })).stdout);
    problems.push(...checkStore(h.dest, listed2).map((p) => `after the next backup: ${p}`));
  } catch (err) {
    problems.push(`trial crashed: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await h.cleanup();
  }
  return { campaign: 'crash-lockout', name: `${label} [${note}]`, problems, note };
}

function diffServer(before: unknown, after: unknown): string[] {
  const a = JSON.stringify(before);
  const b = JSON.stringify(after);
  return a === b ? [] : [`simulated server differs from its starting state:\n      before ${a}\n      after  ${b}`];
}
