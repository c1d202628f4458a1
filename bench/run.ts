import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../src/fs/durable';
import { localFs } from '../src/fs/local';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import {
  DATASET_PROFILES,
  DEFAULT_SEED,
  DEFAULT_TOTAL_BYTES,
  type DatasetProfile,
  churn,
  generateAvimarkTree,
} from './generate';
import { describeMachine, ensureRsync } from './machine';
import { haveGnuTime, removeTree } from './measure';
import { measureOfflineWindow, offlineUnavailable } from './offline';
import { bundledCli, help } from './ours';
import { type ReportContext, judge, renderMarkdown } from './report';
import { GROUPS, type GroupName, runBench } from './scenarios';
import { Trash } from './trash';
import { formatBytes, parseBytes } from './units';

/**
 * `npm run bench` (bundled to dist/bench/run.cjs): compares avimark-backup with cp, rsync and sha256sum
 * on an AVImark-shaped data set, and writes bench/results/latest.{md,json}.
 * Also `generate DIR` and `churn DIR` to make or age a data set by hand (the demo uses the library).
 */

function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'avimark-backup')
      return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

const bytesArg = (value: string): number => {
  try {
    return parseBytes(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
const intArg = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number, 1 or more');
  return n;
};
const seedArg = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return n;
};
const profileArg = (value: string, previous: DatasetProfile[] = []): DatasetProfile[] => {
  const names = value.split(',').map((v) => v.trim());
  for (const name of names) {
    if (!(DATASET_PROFILES as readonly string[]).includes(name))
      throw new InvalidArgumentError(`unknown data set "${name}" (one of: ${DATASET_PROFILES.join(', ')})`);
  }
  return [...new Set([...previous, ...(names as DatasetProfile[])])];
};
const groupArg = (value: string, previous: GroupName[] = []): GroupName[] => {
  const names = value.split(',').map((v) => v.trim());
  for (const name of names) {
    if (!(GROUPS as readonly string[]).includes(name))
      throw new InvalidArgumentError(`unknown figure group "${name}" (one of: ${GROUPS.join(', ')})`);
  }
  return [...previous, ...(names as GroupName[])];
};

interface BenchFlags {
  scale: number;
  runs: number;
  quick?: boolean;
  only?: GroupName[];
  dataset?: DatasetProfile[];
  sweepFiles: number;
  manyFiles?: number;
  killFile: number;
  offlineScale?: number;
  seed: number;
  workDir?: string;
  keep?: boolean;
  out: string;
  cli: string;
  node?: string;
}

/** The version `node --version` prints (the report names the Node that ran avimark-backup). */
function versionOfNode(node: string): string {
  const r = spawnSync(node, ['--version'], { encoding: 'utf8' });
  const version = r.status === 0 ? r.stdout.trim() : '';
  if (!/^v\d+\.\d+\.\d+/.test(version))
    throw new Error(
      `--node ${node}: cannot run it (${r.error?.message ?? r.stderr.trim()}); give the path of a node executable`,
    );
  return version;
}

async function bench(flags: BenchFlags): Promise<void> {
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const scaleBytes = flags.quick ? 64 * 1024 ** 2 : flags.scale;
  const runs = flags.quick ? 1 : flags.runs;
  const sweepFiles = flags.quick ? 10_000 : flags.sweepFiles;
  const manyFiles = flags.manyFiles ?? null;
  const killFileBytes = flags.quick ? 64 * 1024 ** 2 : flags.killFile;
  const profiles = flags.dataset ?? [...DATASET_PROFILES];
  const offlineBytes = flags.quick ? 16 * 1024 ** 2 : (flags.offlineScale ?? Math.min(scaleBytes, 256 * 1024 ** 2));
  if (!existsSync(flags.cli))
    throw new Error(`avimark-backup bundle not found at ${flags.cli} (run node build.mjs --bundle-only)`);
  const nodeVersion = flags.node === undefined ? process.version : versionOfNode(flags.node);
  const cli = bundledCli(flags.cli, flags.node);
  const helpText = (await help(cli)).stdout;
  if (!/^\s+backup\b/m.test(helpText))
    throw new Error('this avimark-backup has no `backup` command yet: nothing to benchmark');
  const offlineProblem = offlineUnavailable();

  const haveRsync = ensureRsync(log) !== null;
  if (!haveGnuTime) log('GNU time (/usr/bin/time) is missing: peak memory is not measured (apt-get install -y time).');
  const workDir = flags.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'avb-bench-'));
  const machine = describeMachine(workDir, nodeVersion);
  log(
    `avimark-backup bench: ${formatBytes(scaleBytes)} (${profiles.join(', ')}), ${sweepFiles.toLocaleString('en-US')}-file sweep${manyFiles ? `, memory at ${manyFiles.toLocaleString('en-US')} files` : ''}, ${formatBytes(killFileBytes)} kill file, ${runs} run(s), work dir ${workDir}`,
  );

  // Room kept free before a timed run: two runs' worth of writes and of files (outputs are set aside until then).
  const trash = new Trash(path.join(workDir, '.trash'), {
    freeBytes: 2 * Math.max(scaleBytes, killFileBytes) + 2 * 1024 ** 3,
    freeInodes: 2 * Math.max(sweepFiles, manyFiles ?? 0) + 100_000,
  });
  const ran = (groups: GroupName[]): boolean => !flags.only || groups.some((g) => flags.only?.includes(g));
  const started = Date.now();
  try {
    const outcome = await runBench({
      workDir,
      cli,
      runs,
      scaleBytes,
      profiles,
      sweepFiles,
      manyFiles,
      killFileBytes,
      seed: flags.seed,
      haveRsync,
      only: flags.only ? new Set(flags.only) : null,
      offline:
        offlineProblem === null
          ? { measure: measureOfflineWindow, dataBytes: offlineBytes }
          : { unavailable: offlineProblem },
      log,
      trash,
    });
    const context: ReportContext = {
      when: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      machine,
      scaleBytes: ran(['full', 'incremental', 'verify', 'restore', 'memory']) ? scaleBytes : null,
      profiles,
      manyFiles: ran(['sweep', 'memory']) ? sweepFiles : null,
      manyFilesMemory: ran(['memory']) ? manyFiles : null,
      killFileBytes: ran(['kill']) ? killFileBytes : null,
      offlineBytes: ran(['offline']) && offlineProblem === null ? offlineBytes : null,
      runs,
      seed: flags.seed,
      notes: [
        ...outcome.notes,
        'Warm page cache: what each contender reads is read once more right before it is timed (dropping caches needs root and is not reliable on shared machines; the sweep reads no file data); every contender that writes is timed until `sync -f` of its destination returns.',
        `Outputs of timed runs are set aside, not deleted, until the disk runs short (ext4 skips inodes freed in the last 60 s): emptied ${trash.stats.emptied} time(s), timed runs waited ${Math.round(trash.stats.waitedMs / 1000)} s for that.`,
        `Wall time of the whole bench: ${Math.round((Date.now() - started) / 1000)} s.`,
      ],
    };
    const markdown = renderMarkdown(outcome.figures, context);
    process.stdout.write(`\n${markdown}`);
    // The one atomic write (flushed before it replaces the last results): a full disk fails here, loudly, instead
    // of leaving a cut-off latest.json (the run of 2026-12-07 06:59 committed one cut at 48 KiB).
    await writeFileAtomic(localFs, path.join(flags.out, 'latest.md'), markdown, { createDir: true });
    await writeFileAtomic(
      localFs,
      path.join(flags.out, 'latest.json'),
      `${JSON.stringify({ context, rows: outcome.figures.map(judge), figures: outcome.figures, raw: outcome.raw }, null, 2)}\n`,
    );
    log(`\nwritten: ${path.join(flags.out, 'latest.md')} and latest.json`);
  } finally {
    await trash.empty();
    if (flags.keep) log(`work dir kept: ${workDir}`);
    else removeTree(workDir);
  }
}

function main(): void {
  const root = repoRoot();
  const program = new Command()
    .name('bench')
    .enablePositionalOptions()
    .description('Benchmarks avimark-backup against cp -a, rsync and sha256sum on an AVImark-shaped data set.')
    .option('--scale <bytes>', 'size of the data set (e.g. 512MiB, 2GiB)', bytesArg, DEFAULT_TOTAL_BYTES)
    .option('--runs <n>', 'runs per figure (the median is reported)', intArg, 3)
    .option('--quick', 'tiny smoke run: 64 MiB, 10,000-file sweep, 64 MiB kill file, 16 MiB offline windows, 1 run')
    .option('--only <groups>', `only these figure groups, comma-separated (${GROUPS.join(', ')})`, groupArg)
    .option(
      '--dataset <profiles>',
      `data-set profiles of the scale figures, comma-separated (${DATASET_PROFILES.join(', ')}; default: both)`,
      profileArg,
    )
    .option('--sweep-files <n>', 'documents in the sweep variant (the sweep and the memory figure)', intArg, 100_000)
    .option('--many-files <n>', 'also measure peak memory at this many files (flat up to 1,000,000?)', intArg)
    .option('--kill-file <bytes>', 'size of the large file killed mid-copy under I/O contention', bytesArg, 1024 ** 3)
    .option(
      '--offline-scale <bytes>',
      'data size for the offline-window runs (default: the scale, at most 256 MiB)',
      bytesArg,
    )
    .option('--seed <n>', 'data-set seed', seedArg, DEFAULT_SEED)
    .option('--work-dir <dir>', 'where the data sets and backups go (default: a new folder under the temp dir)')
    .option('--keep', 'keep the work dir afterwards')
    .option('--out <dir>', 'where latest.md and latest.json go', path.join(root, 'bench', 'results'))
    .option('--cli <bundle>', 'the avimark-backup bundle to measure', path.join(root, 'dist', 'avimark-backup.cjs'))
    .option(
      '--node <path>',
      "the Node that runs the bundle (default: this one; the executables' version, SEA_NODE_VERSION in build/sea.mjs, is cached by the build in .tools/node-bin/<version>/linux-x64/node)",
    )
    .action((flags: BenchFlags) => bench(flags));

  program
    .command('generate')
    .description('write an AVImark-shaped data set into DIR (must be empty or missing)')
    .argument('<dir>')
    .option('--scale <bytes>', 'total size', bytesArg, DEFAULT_TOTAL_BYTES)
    .option('--seed <n>', 'seed', seedArg, DEFAULT_SEED)
    .option('--files <n>', 'number of documents (default: about 6,000 per 2 GiB, 4,000 in uniform)', intArg)
    .option(
      '--dataset <profile>',
      `profile (${DATASET_PROFILES.join(', ')})`,
      (v: string) => profileArg(v)[0],
      'avimark',
    )
    .action((dir: string, o: { scale: number; seed: number; files?: number; dataset: DatasetProfile }) => {
      const stats = generateAvimarkTree({
        dir: path.resolve(dir),
        totalBytes: o.scale,
        seed: o.seed,
        profile: o.dataset,
        ...(o.files ? { files: o.files } : {}),
      });
      process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
    });

  program
    .command('churn')
    .description('apply one simulated night of AVImark work to the data set in DIR')
    .argument('<dir>')
    .option('--seed <n>', 'seed', seedArg, DEFAULT_SEED)
    .option('--night <n>', 'which night (each changes different records)', intArg, 1)
    .action((dir: string, o: { seed: number; night: number }) => {
      const { plan: _plan, ...result } = churn({ dir: path.resolve(dir), seed: o.seed, night: o.night });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });

  program.parseAsync(process.argv).catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

main();
