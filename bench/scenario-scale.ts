import { churn, type DatasetProfile, generateAvimarkTree } from './generate';
import { type DurableTimed, syncFs, warm } from './measure';
import { backup, latestSnapshot, restore, snapshotPath, verify } from './ours';
import { cpA, rsyncA, sha256sumTree } from './peers';
import type { Figure } from './report';
import {
  type BenchSettings,
  type Collected,
  alternate,
  durableFigure,
  freshOutput,
  inWork,
  notMeasured,
  peakRss,
  syncNote,
  wants,
} from './scenario-common';
import { TARGETS } from './targets';
import { formatBytes, formatSeconds, median } from './units';

/** The figures on the data set at the bench's scale, for one profile: full, verify, restore, incremental. */

export const SCALE_GROUPS = ['full', 'incremental', 'verify', 'restore', 'memory'] as const;

/** One profile's data set, store and labels, shared by its figures. */
interface ScaleRun {
  profile: DatasetProfile;
  data: string;
  store: string;
  state: string;
  /** "300 MiB avimark (1,295 files)" */
  label: string;
  id: (name: string) => string;
  rsyncDir: (n: number) => string;
  out: Collected;
}

type FullTimings = Record<'ours' | 'cp' | 'rsync' | 'rsyncFsync', DurableTimed[]>;

export async function runScaleFigures(s: BenchSettings, profile: DatasetProfile): Promise<Collected> {
  const w = (...parts: string[]): string => inWork(s, profile, ...parts);
  const data = w('data');
  s.log(`generating the ${profile} data set (${formatBytes(s.scaleBytes)}) …`);
  const gen = generateAvimarkTree({ dir: data, totalBytes: s.scaleBytes, seed: s.seed, profile });
  s.log(`  ${gen.files} files in ${gen.dirs} folders, ${formatBytes(gen.bytes)} in ${formatSeconds(gen.seconds)}`);
  const run: ScaleRun = {
    profile,
    data,
    store: w('store'),
    state: w('state'),
    label: `${formatBytes(gen.bytes)} ${profile} (${gen.files.toLocaleString('en-US')} files)`,
    id: (name) => `${name}@${profile}`,
    rsyncDir: (n) => w('rsync', String(n)),
    out: { figures: [], notes: [], raw: { dataset: gen } },
  };
  await syncFs(s.workDir);
  const full = await fullBackups(s, run); // each contender reads `data` once more first (freshOutput)
  run.out.raw.full = full;
  if (wants(s, 'full')) fullFigures(s, run, full);
  if (wants(s, 'memory')) {
    const rss = peakRss(full.ours);
    const peerRss = peakRss(full.rsync);
    const title = `Peak RSS, full backup of ${run.label}`;
    run.out.figures.push(
      rss !== null
        ? {
            id: run.id('memory-scale'),
            title,
            unit: 'bytes',
            ours: [rss],
            peer: null,
            peerLabel: peerRss !== null ? `rsync -a: ${formatBytes(peerRss)}` : '—',
            target: { kind: 'none' },
          }
        : notMeasured(run.id('memory-scale'), title, '/usr/bin/time (GNU time) is not installed'),
    );
  }
  const snapshot = latestSnapshot(run.store);
  if (wants(s, 'verify'))
    run.out.figures.push(await verifyFigure(s, run.store, snapshot, run.label, run.id('verify-vs-sha256sum')));
  if (wants(s, 'restore')) run.out.figures.push(...(await restoreFigure(s, run.out, { ...run, snapshot })));
  if (wants(s, 'incremental')) await incrementalFigure(s, run);
  s.trash.discard(w());
  return run.out;
}

/** Full backups vs cp -a and rsync -a; the store and the rsync copy are kept as the incremental's base. */
async function fullBackups(s: BenchSettings, run: ScaleRun): Promise<FullTimings> {
  const full: FullTimings = { ours: [], cp: [], rsync: [], rsyncFsync: [] };
  const fresh = (dir: string): Promise<void> => freshOutput(s, dir, run.data);
  const oursFull = async (): Promise<void> => {
    s.trash.discard(run.state);
    await fresh(run.store);
    full.ours.push(await backup(s.cli, run.data, run.store, run.state));
  };
  const rsyncFull = async (): Promise<void> => {
    await fresh(run.rsyncDir(0));
    full.rsync.push(await rsyncA(run.data, run.rsyncDir(0)));
  };
  if (!wants(s, 'full') && !wants(s, 'memory')) {
    await oursFull();
    if (wants(s, 'incremental') && s.haveRsync) await rsyncFull();
    return full;
  }
  s.log(`full backup (${run.profile}): ours vs cp -a vs rsync -a …`);
  const cpDir = inWork(s, run.profile, 'full-cp');
  const cpFull = async (): Promise<void> => {
    await fresh(cpDir);
    full.cp.push(await cpA(run.data, cpDir));
  };
  // rsync --fsync makes every file durable before the next, as ours must: what per-file durability costs.
  const fsyncDir = inWork(s, run.profile, 'full-rsync-fsync');
  const rsyncFsyncFull = async (): Promise<void> => {
    await fresh(fsyncDir);
    full.rsyncFsync.push(await rsyncA(run.data, fsyncDir, undefined, { fsync: true }));
  };
  for (let i = 0; i < s.runs; i++)
    await alternate(i, s.haveRsync ? [oursFull, cpFull, rsyncFull, rsyncFsyncFull] : [oursFull, cpFull]);
  s.log(
    `  ours ${formatSeconds(median(full.ours.map((t) => t.seconds)))}, cp -a ${formatSeconds(median(full.cp.map((t) => t.seconds)))}`,
  );
  return full;
}

function fullFigures(s: BenchSettings, run: ScaleRun, full: FullTimings): void {
  const { id, out } = run;
  const title = `Full backup, ${run.label}`;
  out.figures.push(
    durableFigure({ id: id('full-vs-cp'), title, peerLabel: 'cp -a', target: TARGETS.fullVsCp }, full.ours, full.cp),
  );
  out.figures.push(
    s.haveRsync
      ? durableFigure(
          { id: id('full-vs-rsync'), title, peerLabel: 'rsync -a', target: TARGETS.fullVsRsync },
          full.ours,
          full.rsync,
        )
      : notMeasured(id('full-vs-rsync'), `${title} vs rsync -a`, 'rsync is not installed', TARGETS.fullVsRsync),
  );
  if (s.haveRsync) {
    const reference = `${title} (reference: every file made durable, like ours)`;
    out.figures.push(
      durableFigure(
        { id: id('full-vs-rsync-fsync'), title: reference, peerLabel: 'rsync -a --fsync', target: { kind: 'none' } },
        full.ours,
        full.rsyncFsync,
      ),
    );
  }
  out.notes.push(
    ...syncNote(`Full backup (${run.profile}), ours`, full.ours),
    ...syncNote(`Full backup (${run.profile}), cp -a`, full.cp),
    ...syncNote(`Full backup (${run.profile}), rsync -a`, full.rsync),
    ...syncNote(`Full backup (${run.profile}), rsync -a --fsync`, full.rsyncFsync),
  );
}

/** Nightly incremental after `churn`: ours on the store vs rsync --link-dest onto the previous copy. */
async function incrementalFigure(s: BenchSettings, run: ScaleRun): Promise<void> {
  const { id, out, profile } = run;
  if (!s.haveRsync) {
    out.figures.push(
      notMeasured(
        id('incremental'),
        `Nightly incremental (${profile}) vs rsync --link-dest`,
        'rsync is not installed',
        TARGETS.incrementalVsRsyncLinkDest,
      ),
    );
    return;
  }
  s.log(`nightly incremental after churn (${profile}): ours vs rsync -a --link-dest …`);
  const ours: DurableTimed[] = [];
  const peer: DurableTimed[] = [];
  const churned: number[] = [];
  for (let i = 1; i <= s.runs; i++) {
    const night = churn({ dir: run.data, seed: s.seed, night: i, profile });
    churned.push(night.bytesWritten);
    await syncFs(s.workDir);
    await s.trash.settle();
    await alternate(i, [
      async () => {
        await warm(run.data);
        ours.push(await backup(s.cli, run.data, run.store, run.state));
      },
      async () => {
        await warm(run.data);
        peer.push(await rsyncA(run.data, run.rsyncDir(i), run.rsyncDir(i - 1)));
      },
    ]);
    await syncFs(s.workDir);
  }
  out.raw.incremental = { ours, peer, churnedBytes: churned };
  const title = `Nightly incremental, ${run.label} (${formatBytes(median(churned))} churn)`;
  const target = TARGETS.incrementalVsRsyncLinkDest;
  out.figures.push(
    durableFigure(
      { id: id('incremental-vs-rsync-link-dest'), title, peerLabel: 'rsync --link-dest', target },
      ours,
      peer,
    ),
  );
  out.notes.push(
    ...syncNote(`Incremental (${profile}), ours`, ours),
    ...syncNote(`Incremental (${profile}), rsync --link-dest`, peer),
  );
}

async function verifyFigure(
  s: BenchSettings,
  store: string,
  snapshot: string,
  label: string,
  id: string,
): Promise<Figure> {
  s.log('verify: ours vs sha256sum …');
  const ours: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < s.runs; i++) {
    await alternate(i, [
      async () => {
        await warm(snapshotPath(store, snapshot));
        ours.push((await verify(s.cli, store, snapshot)).seconds);
      },
      async () => {
        await warm(snapshotPath(store, snapshot));
        peer.push((await sha256sumTree(snapshotPath(store, snapshot))).seconds);
      },
    ]);
  }
  return {
    id,
    title: `Verify (time), ${label}`,
    unit: 'seconds',
    ours,
    peer,
    peerLabel: 'sha256sum',
    target: TARGETS.verifyVsSha256sum,
  };
}

async function restoreFigure(
  s: BenchSettings,
  out: Collected,
  o: { store: string; snapshot: string; label: string; profile: DatasetProfile },
): Promise<Figure[]> {
  s.log(`restore (${o.profile}): ours vs cp -a …`);
  const ours: DurableTimed[] = [];
  const peer: DurableTimed[] = [];
  const fresh = (dir: string): Promise<void> => freshOutput(s, dir, snapshotPath(o.store, o.snapshot));
  const oursTarget = inWork(s, o.profile, 'restore-ours');
  const cpTarget = inWork(s, o.profile, 'restore-cp');
  for (let i = 0; i < s.runs; i++) {
    await alternate(i, [
      async () => {
        await fresh(oursTarget);
        ours.push(await restore(s.cli, o.store, o.snapshot, oursTarget));
      },
      async () => {
        await fresh(cpTarget);
        peer.push(await cpA(snapshotPath(o.store, o.snapshot), cpTarget));
      },
    ]);
  }
  out.raw.restore = { ours, peer };
  out.notes.push(...syncNote(`Restore (${o.profile}), ours`, ours), ...syncNote(`Restore (${o.profile}), cp -a`, peer));
  return [
    durableFigure(
      {
        id: `restore-vs-cp@${o.profile}`,
        title: `Restore, ${o.label}`,
        peerLabel: 'cp -a',
        target: TARGETS.restoreVsCp,
      },
      ours,
      peer,
    ),
  ];
}
