/**
 * Crash campaign, engine part: kill -9 the real CLI (`backup --no-lockout`, `prune`) on entry to the
 * N-th call of a chosen syscall (strace fault injection: precise, seeded, reproducible), then
 * `recover` + a new `backup`, and check the store with the independent oracle.
 *   write   → mid-file / during the manifest or checkpoint write
 *   fsync   → just before data, a manifest or a folder is made durable
 *   rename  → the commit rename, the manifest's tmp→final rename, `latest`, prune's move-aside
 *   link    → between files (hard-linking unchanged ones)
 *   openat  → between files / during the sweep
 *   unlink, rmdir → during prune (auto prune after commit, and the `prune` command)
 *   getdents64 → during the sweep (directory listing)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/cli';
import { checkStore, diffTrees, hashTree, inodes, inProgressIds, type TreeHash } from '../lib/oracle';
import {
  type CampaignOptions,
  type TrialResult,
  cli,
  cliKilledAtSyscall,
  cliSyscallCounts,
  listedIds,
  mutateSourceTree,
  seededRandom,
  type TreeSpec,
  writeSourceTree,
} from '../lib/util';

const POINTS = [
  'write',
  'fsync',
  'rename',
  'link',
  'openat',
  'unlink',
  'rmdir',
  'getdents64',
  'prune:unlink',
  'prune:rename',
] as const;

/** One trial at a chosen kill point (for the short version inside `npm test`). */
export function crashEngineTrial(point: (typeof POINTS)[number], seed: number): Promise<TrialResult> {
  return trial(point, seededRandom(seed), { trials: 1, seed, short: true }, `seed ${seed}`);
}

export async function crashEngineCampaign(options: CampaignOptions): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  for (let t = 0; t < options.trials; t += 1) {
    const point = POINTS[(options.seed + t) % POINTS.length];
    const random = seededRandom(options.seed * 1000 + t);
    results.push(await trial(point, random, options, `seed ${options.seed} trial ${t}`));
    options.log?.(
      `  crash-engine ${results.at(-1)?.name}: ${results.at(-1)?.problems.length ? 'FAILED' : 'ok'} ${results.at(-1)?.note ?? ''}`,
    );
  }
  return results;
}

async function trial(
  point: (typeof POINTS)[number],
  random: () => number,
  options: CampaignOptions,
  label: string,
): Promise<TrialResult> {
  const { dir, cleanup } = await tempDir('avb-torture-crash-');
  const problems: string[] = [];
  let note = '';
  const t0 = Date.now();
  const step = (what: string) => options.log?.(`    ${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);
  try {
    const source = path.join(dir, 'AVImark');
    const dest = path.join(dir, 'backup');
    const stateDir = path.join(dir, 'state');
    const spec: TreeSpec = options.short
      ? { smallFiles: 24, largeFiles: 1, largeBytes: 3 << 20 }
      : { smallFiles: 120, largeFiles: 2, largeBytes: 6 << 20 };
    writeSourceTree(source, random, spec);
    const configFile = path.join(dir, 'config.json');
    const writeConfig = (keepLast: number) =>
      writeFileSync(
        configFile,
        JSON.stringify({
          source,
          destination: dest,
          stateDir,
          verify: { after: 'none' },
          engine: { largeFileBytes: 1 << 20, retryMinTimeoutMs: 1 },
          retention: { keepLast, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, auto: true },
        }),
      );
    writeConfig(2);
    const backupArgs = ['backup', '--config', configFile, '--no-lockout', '--json'];

    step('const first = await cli(backup');
    const first = await cli(backupArgs);
    if (first.code !== 0)
      return { campaign: 'crash-engine', name: label, problems: [`setup backup 1 failed: ${first.stderr}`] };
    step('mutateSourceTree(source, rando');
    mutateSourceTree(source, random, spec);
    const syscalls = ['write', 'fsync', 'rename', 'link', 'openat', 'unlink', 'rmdir', 'getdents64'];
    const second = await cliSyscallCounts(backupArgs, syscalls);
    step('if (second.run.code !== 0)');
    if (second.run.code !== 0)
      return { campaign: 'crash-engine', name: label, problems: [`setup backup 2 failed: ${second.run.stderr}`] };
    mutateSourceTree(source, random, spec);

    // Before the kill: every snapshot's content, and the source as the next backup must store it.
    const before = new Map<string, TreeHash>();
    for (const id of listedIds((await cli(['list', '--config', configFile, '--json'])).stdout))
      before.set(id, hashTree(path.join(dest, 'snapshots', id)));
    step('const sourceHash = hashTree(so');
    const sourceHash = hashTree(source);

    step('let killed;');
    let killed;
    if (point.startsWith('prune:')) {
      // A third snapshot, then `prune` keeping one: killed on entry to the N-th unlink / rename.
      const third = await cli(backupArgs);
      if (third.code !== 0)
        return { campaign: 'crash-engine', name: label, problems: [`setup backup 3 failed: ${third.stderr}`] };
      before.clear();
      for (const id of listedIds((await cli(['list', '--config', configFile, '--json'])).stdout))
        before.set(id, hashTree(path.join(dest, 'snapshots', id)));
      writeConfig(1);
      const syscall = point.slice('prune:'.length);
      const when = 1 + Math.floor(random() * (syscall === 'rename' ? 3 : spec.smallFiles));
      note = `prune killed at ${syscall} #${when}`;
      killed = await cliKilledAtSyscall(['prune', '--config', configFile], syscall, when);
    } else {
      const count = Math.max(1, second.counts.get(point) ?? 1);
      // The counted run did a little more work than this one (different changes): aim inside 60 % of it.
      const when = 1 + Math.floor(random() * Math.max(1, Math.floor(count * 0.6)));
      note = `backup killed at ${point} #${when} of ~${count}`;
      killed = await cliKilledAtSyscall(backupArgs, point, when);
    }
    step('const wasKilled');
    const wasKilled = killed.signal === 'SIGKILL' || killed.code === 137;
    if (!wasKilled)
      note +=
        killed.code === 0
          ? ' (ran to completion first)'
          : ` (exit ${killed.code}: ${killed.stderr.trim().slice(0, 200)})`;
    if (!wasKilled && killed.code !== 0)
      problems.push(`the run under strace failed without being killed: ${killed.stderr.trim()}`);

    // Right after the kill: the store is consistent and older snapshots are unchanged.
    const listedAfterKill = listedIds((await cli(['list', '--config', configFile, '--json'])).stdout);
    problems.push(...checkStore(dest, listedAfterKill).map((p) => `after kill: ${p}`));
    for (const [id, hash] of before) {
      if (!listedAfterKill.includes(id)) {
        if (existsSync(path.join(dest, 'snapshots', id)))
          problems.push(`after kill: snapshot ${id} folder exists but is no longer listed`);
        continue;
      }
      for (const d of diffTrees(hash, hashTree(path.join(dest, 'snapshots', id))))
        problems.push(`after kill: older snapshot ${id} changed: ${d}`);
    }

    // What the partial had finished (journal `done` copies), with their inodes: must not be copied again.
    const partials = inProgressIds(dest);
    const finished = new Map<string, bigint>();
    for (const id of partials) {
      const journal = path.join(dest, 'in-progress', `${id}.state`, 'journal.jsonl');
      const ino = inodes(path.join(dest, 'in-progress', id));
      if (!existsSync(journal)) continue;
      for (const line of readFileSync(journal, 'utf8').split('\n')) {
        try {
          const r = JSON.parse(line) as { t: string; how?: string; e?: { path: string }; p?: string };
          if (r.t === 'done' && r.how === 'copy' && r.e && ino.has(r.e.path))
            finished.set(r.e.path, ino.get(r.e.path) as bigint);
          if (r.t === 'del' && r.p) finished.delete(r.p);
        } catch {
          // a torn last line: ignored, as the engine does
        }
      }
    }

    step('const recover = await cli');
    const recover = await cli(['recover', '--config', configFile]);
    if (recover.code !== 0) problems.push(`recover exit ${recover.code}: ${recover.stderr.trim()}`);
    step('const resumed = await cli');
    const resumed = await cli(backupArgs);
    if (resumed.code !== 0)
      problems.push(`backup after the kill failed (exit ${resumed.code}): ${resumed.stderr.trim()}`);
    else {
      const summary = JSON.parse(resumed.stdout) as { snapshotId: string; resumed: boolean };
      const snap = path.join(dest, 'snapshots', summary.snapshotId);
      for (const d of diffTrees(sourceHash, hashTree(snap)))
        problems.push(`snapshot after resume differs from the source: ${d}`);
      if (partials.length > 0 && !point.startsWith('prune:') && !summary.resumed)
        problems.push('a partial was left but the next backup did not resume it');
      const finalInodes = inodes(snap);
      let kept = 0;
      for (const [rel, ino] of finished) {
        if (!sourceHash.has(rel)) continue;
        if (finalInodes.get(rel) === ino) kept += 1;
        else problems.push(`finished file copied again after resume: ${rel}`);
      }
      if (finished.size > 0) note += `; ${kept} finished files kept across the resume`;
      const listed = listedIds((await cli(['list', '--config', configFile, '--json'])).stdout);
      problems.push(...checkStore(dest, listed).map((p) => `after resume: ${p}`));
      for (const [id, hash] of before) {
        if (!listed.includes(id)) continue;
        for (const d of diffTrees(hash, hashTree(path.join(dest, 'snapshots', id))))
          problems.push(`after resume: older snapshot ${id} changed: ${d}`);
      }
      if (inProgressIds(dest).length > 0)
        problems.push(`partials left after a successful backup: ${inProgressIds(dest).join(', ')}`);
    }
  } catch (err) {
    problems.push(`trial crashed: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await cleanup();
  }
  return { campaign: 'crash-engine', name: `${label} [${point}]`, problems, note };
}
