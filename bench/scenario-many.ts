import { type DatasetProfile, type GenerateStats, generateAvimarkTree, manyFilesOptions } from './generate';
import { type DurableTimed, syncFs, warm } from './measure';
import { backup } from './ours';
import { rsyncA } from './peers';
import type { Figure } from './report';
import {
  type BenchSettings,
  type Collected,
  alternate,
  durableFigure,
  inWork,
  notMeasured,
  peakRss,
  syncNote,
  wants,
} from './scenario-common';
import { TARGETS } from './targets';
import { formatBytes, formatSeconds } from './units';

/**
 * The many-files figures: the no-change sweep of the 100,000-file variant against rsync --link-dest, peak
 * RSS there, and with --many-files N peak RSS at N files (is it flat in the number of files?).
 */

interface ManyRuns {
  gen: GenerateStats;
  oursFull: DurableTimed;
  rsyncFull: DurableTimed | null;
  ours: DurableTimed[];
  peer: DurableTimed[];
}

/** Generates `files` documents, backs them up once (ours, and rsync when `sweeps`), then `sweeps` paired no-change runs. */
async function manyFilesRuns(
  s: BenchSettings,
  profile: DatasetProfile,
  files: number,
  sweeps: number,
  withPeer: boolean,
): Promise<ManyRuns> {
  const key = `many-${files}`;
  const many = inWork(s, key, 'data');
  const store = inWork(s, key, 'store');
  const state = inWork(s, key, 'state');
  const rsyncDir = (n: number): string => inWork(s, key, 'rsync', String(n));
  s.log(`generating the many-files variant (${files.toLocaleString('en-US')} documents, ${profile}) …`);
  const gen = generateAvimarkTree(manyFilesOptions(many, s.seed, files, profile));
  s.log(`  ${gen.files} files, ${formatBytes(gen.bytes)} in ${formatSeconds(gen.seconds)}`);
  await syncFs(s.workDir);
  await warm(many);
  await s.trash.settle();
  s.log('  first (full) backups …');
  const oursFull = await backup(s.cli, many, store, state);
  const rsyncFull = withPeer ? await rsyncA(many, rsyncDir(0)) : null;
  const ours: DurableTimed[] = [];
  const peer: DurableTimed[] = [];
  for (let i = 1; i <= sweeps; i++) {
    await alternate(i, [
      async () => void ours.push(await backup(s.cli, many, store, state)),
      ...(withPeer ? [async () => void peer.push(await rsyncA(many, rsyncDir(i), rsyncDir(i - 1)))] : []),
    ]);
  }
  s.trash.discard(inWork(s, key));
  return { gen, oursFull, rsyncFull, ours, peer };
}

export async function runManyFilesFigures(s: BenchSettings, profile: DatasetProfile): Promise<Collected> {
  const out: Collected = { figures: [], notes: [], raw: {} };
  const sweepWanted = wants(s, 'sweep');
  const count = s.sweepFiles.toLocaleString('en-US');
  if (sweepWanted && !s.haveRsync) {
    out.figures.push(
      notMeasured(
        'sweep',
        `Sweep, ${count} files, vs rsync --link-dest`,
        'rsync is not installed',
        TARGETS.sweepVsRsyncLinkDest,
      ),
    );
  }
  s.log(
    sweepWanted && s.haveRsync
      ? 'sweep with nothing changed: ours vs rsync -a --link-dest …'
      : 'peak memory at many files …',
  );
  const base = await manyFilesRuns(s, profile, s.sweepFiles, sweepWanted ? s.runs : 1, sweepWanted && s.haveRsync);
  out.raw.manyDataset = base.gen;
  out.raw.sweep = { oursFull: base.oursFull, rsyncFull: base.rsyncFull, ours: base.ours, peer: base.peer };
  const files = base.gen.files.toLocaleString('en-US');
  if (sweepWanted && s.haveRsync) {
    const title = `Sweep, ${files} files (${profile}), nothing changed`;
    out.figures.push(
      durableFigure(
        { id: 'sweep-vs-rsync-link-dest', title, peerLabel: 'rsync --link-dest', target: TARGETS.sweepVsRsyncLinkDest },
        base.ours,
        base.peer,
      ),
    );
    out.notes.push(...syncNote('Sweep, ours', base.ours), ...syncNote('Sweep, rsync --link-dest', base.peer));
  }
  if (!wants(s, 'memory')) return out;
  const rss = peakRss([base.oursFull, ...base.ours]);
  const memoryTitle = (n: string) => `Peak RSS, backup of ${n} files (full and no-change sweeps)`;
  out.figures.push(
    rss !== null
      ? {
          id: 'memory-many-files',
          title: memoryTitle(files),
          unit: 'bytes',
          ours: [rss],
          peer: null,
          peerLabel: base.rsyncFull?.peakRssBytes ? `rsync -a: ${formatBytes(base.rsyncFull.peakRssBytes)}` : '—',
          target: TARGETS.peakRss,
        }
      : notMeasured(
          'memory-many-files',
          memoryTitle(files),
          '/usr/bin/time (GNU time) is not installed',
          TARGETS.peakRss,
        ),
  );
  if (s.manyFiles === null || rss === null) return out;
  s.log(`peak memory at ${s.manyFiles.toLocaleString('en-US')} files …`);
  const big = await manyFilesRuns(s, profile, s.manyFiles, 1, false);
  out.raw.manyFilesMemory = { dataset: big.gen, oursFull: big.oursFull, ours: big.ours };
  const bigRss = peakRss([big.oursFull, ...big.ours]);
  const bigFiles = big.gen.files.toLocaleString('en-US');
  if (bigRss === null) return out;
  out.figures.push(
    {
      id: 'memory-at-many-files',
      title: memoryTitle(bigFiles),
      unit: 'bytes',
      ours: [bigRss],
      peer: null,
      peerLabel: '—',
      target: TARGETS.peakRss,
    },
    {
      id: 'memory-flat',
      title: `Peak RSS growth, ${files} → ${bigFiles} files`,
      unit: 'bytes',
      ours: [bigRss],
      peer: [rss],
      peerLabel: `at ${files} files`,
      target: TARGETS.peakRssFlat,
    } satisfies Figure,
  );
  return out;
}
