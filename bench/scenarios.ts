import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CycleMode, OfflineMeasurement, measureOfflineWindow } from './offline';
import { type GenerateStats, churn, generateAvimarkTree, manyFilesOptions } from './generate';
import { type DurableTimed, removeTree, syncFs, warm } from './measure';
import { type OurCli, backup, latestSnapshot, restore, snapshotPath, verify } from './ours';
import { cpA, rsyncA, sha256sumTree } from './peers';
import type { Figure } from './report';
import { formatBytes, formatSeconds, median } from './units';

/** The comparisons, each measured alternately with its peer on the same data in one process. */

export const GROUPS = ['full', 'incremental', 'sweep', 'verify', 'restore', 'memory', 'offline'] as const;
export type GroupName = (typeof GROUPS)[number];

export interface BenchSettings {
  workDir: string;
  cli: OurCli;
  runs: number;
  scaleBytes: number;
  manyFiles: number;
  seed: number;
  haveRsync: boolean;
  /** null = every group. */
  only: ReadonlySet<GroupName> | null;
  /** How the offline window is measured (data size of the full-size runs), or why it cannot be. */
  offline: { measure: typeof measureOfflineWindow; dataBytes: number } | { unavailable: string };
  log: (line: string) => void;
}

export interface BenchOutcome {
  figures: Figure[];
  notes: string[];
  raw: Record<string, unknown>;
}

/** The "under 200 MB", read strictly: decimal megabytes (190.7 MiB). */
const MB200 = 200e6;

type Contender = () => Promise<void>;

/** Runs the contenders in a different order each run (run i starts with contender i mod n). */
async function alternate(run: number, contenders: readonly Contender[]): Promise<void> {
  for (let k = 0; k < contenders.length; k++) await contenders[(run + k) % contenders.length]();
}

export async function runBench(s: BenchSettings): Promise<BenchOutcome> {
  const wants = (g: GroupName): boolean => s.only === null || s.only.has(g);
  const figures: Figure[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
  const w = (...parts: string[]): string => path.join(s.workDir, ...parts);
  mkdirSync(s.workDir, { recursive: true });
  const syncNote = (label: string, timings: DurableTimed[]): void => {
    if (timings.length === 0) return;
    notes.push(
      `${label}: tool ${formatSeconds(median(timings.map((t) => t.toolSeconds)))} + sync ${formatSeconds(median(timings.map((t) => t.syncSeconds)))} (median).`,
    );
  };

  const needScaleData = ['full', 'incremental', 'verify', 'restore', 'memory'].some((g) => wants(g as GroupName));
  if (needScaleData) {
    const data = w('data');
    const store = w('store');
    const state = w('state');
    s.log(`generating the AVImark-shaped tree (${formatBytes(s.scaleBytes)}) …`);
    const gen = generateAvimarkTree({ dir: data, totalBytes: s.scaleBytes, seed: s.seed });
    s.log(`  ${gen.files} files, ${formatBytes(gen.bytes)} in ${formatSeconds(gen.seconds)}`);
    raw.dataset = gen;
    await syncFs(s.workDir);
    await warm(data);

    // Full backup vs cp -a and rsync -a; the last of each is kept as the base for the incremental.
    const rsyncDir = (n: number): string => w('rsync', String(n));
    const full = {
      ours: [] as DurableTimed[],
      cp: [] as DurableTimed[],
      rsync: [] as DurableTimed[],
      rsyncFsync: [] as DurableTimed[],
    };
    const oursFull = async (): Promise<void> => {
      removeTree(store);
      removeTree(state);
      await syncFs(s.workDir);
      full.ours.push(await backup(s.cli, data, store, state));
    };
    const rsyncFull = async (): Promise<void> => {
      removeTree(rsyncDir(0));
      await syncFs(s.workDir);
      full.rsync.push(await rsyncA(data, rsyncDir(0)));
    };
    if (wants('full') || wants('memory')) {
      s.log('full backup: ours vs cp -a vs rsync -a …');
      const cpDir = w('full-cp');
      const cpFull = async (): Promise<void> => {
        removeTree(cpDir);
        await syncFs(s.workDir);
        full.cp.push(await cpA(data, cpDir));
        removeTree(cpDir);
      };
      // rsync --fsync makes every file durable before the next, as ours must (a snapshot is only
      // committed once every file is on disk): a reference for what per-file durability costs here.
      const rsyncFsyncDir = w('full-rsync-fsync');
      const rsyncFsyncFull = async (): Promise<void> => {
        removeTree(rsyncFsyncDir);
        await syncFs(s.workDir);
        full.rsyncFsync.push(await rsyncA(data, rsyncFsyncDir, undefined, { fsync: true }));
        removeTree(rsyncFsyncDir);
      };
      for (let i = 0; i < s.runs; i++)
        await alternate(i, s.haveRsync ? [oursFull, cpFull, rsyncFull, rsyncFsyncFull] : [oursFull, cpFull]);
      s.log(
        `  ours ${formatSeconds(median(full.ours.map((t) => t.seconds)))}, cp -a ${formatSeconds(median(full.cp.map((t) => t.seconds)))}`,
      );
    } else {
      await oursFull();
      if (wants('incremental') && s.haveRsync) await rsyncFull();
    }
    raw.full = full;
    if (wants('full')) {
      figures.push({
        id: 'full-vs-cp',
        title: `Full backup, ${formatBytes(gen.bytes)}`,
        unit: 'seconds',
        ours: full.ours.map((t) => t.seconds),
        peer: full.cp.map((t) => t.seconds),
        peerLabel: 'cp -a',
        target: { kind: 'ratioAtMost', value: 2 },
      });
      figures.push(
        s.haveRsync
          ? {
              id: 'full-vs-rsync',
              title: `Full backup, ${formatBytes(gen.bytes)}`,
              unit: 'seconds',
              ours: full.ours.map((t) => t.seconds),
              peer: full.rsync.map((t) => t.seconds),
              peerLabel: 'rsync -a',
              target: { kind: 'ratioAtMost', value: 1 },
            }
          : notMeasured('full-vs-rsync', 'Full backup vs rsync -a', 'rsync is not installed'),
      );
      if (s.haveRsync) {
        figures.push({
          id: 'full-vs-rsync-fsync',
          title: `Full backup, ${formatBytes(gen.bytes)} (reference: every file made durable, like ours)`,
          unit: 'seconds',
          ours: full.ours.map((t) => t.seconds),
          peer: full.rsyncFsync.map((t) => t.seconds),
          peerLabel: 'rsync -a --fsync',
          target: { kind: 'none' },
        });
      }
      syncNote('Full backup, ours', full.ours);
      syncNote('Full backup, cp -a', full.cp);
      syncNote('Full backup, rsync -a', full.rsync);
      syncNote('Full backup, rsync -a --fsync', full.rsyncFsync);
    }
    if (wants('memory')) {
      const rss = full.ours.map((t) => t.peakRssBytes).filter((v): v is number => v !== null);
      const peerRss = full.rsync.map((t) => t.peakRssBytes).filter((v): v is number => v !== null);
      figures.push(
        rss.length > 0
          ? {
              id: 'memory-scale',
              title: `Peak RSS, full backup of ${formatBytes(gen.bytes)}`,
              unit: 'bytes',
              ours: [Math.max(...rss)],
              peer: null,
              peerLabel: peerRss.length > 0 ? `rsync -a: ${formatBytes(Math.max(...peerRss))}` : '—',
              target: { kind: 'none' },
            }
          : notMeasured(
              'memory-scale',
              `Peak RSS, full backup of ${formatBytes(gen.bytes)}`,
              '/usr/bin/time (GNU time) is not installed',
            ),
      );
    }

    const snapshot = latestSnapshot(store);
    const snapDir = snapshotPath(store, snapshot);

    if (wants('verify')) {
      s.log('verify: ours vs sha256sum …');
      const ours: number[] = [];
      const peer: number[] = [];
      for (let i = 0; i < s.runs; i++) {
        await alternate(i, [
          async () => {
            ours.push(gen.bytes / (await verify(s.cli, store, snapshot)).seconds);
          },
          async () => {
            peer.push(gen.bytes / (await sha256sumTree(snapDir)).seconds);
          },
        ]);
      }
      figures.push({
        id: 'verify-vs-sha256sum',
        title: `Verify throughput, ${formatBytes(gen.bytes)}`,
        unit: 'bytesPerSecond',
        ours,
        peer,
        peerLabel: 'sha256sum',
        target: { kind: 'ratioAtLeast', value: 0.9 },
      });
    }

    if (wants('restore')) {
      s.log('restore: ours vs cp -a …');
      const ours: DurableTimed[] = [];
      const peer: DurableTimed[] = [];
      const oursTarget = w('restore-ours');
      const cpTarget = w('restore-cp');
      for (let i = 0; i < s.runs; i++) {
        await alternate(i, [
          async () => {
            removeTree(oursTarget);
            await syncFs(s.workDir);
            ours.push(await restore(s.cli, store, snapshot, oursTarget));
            removeTree(oursTarget);
          },
          async () => {
            removeTree(cpTarget);
            await syncFs(s.workDir);
            peer.push(await cpA(snapDir, cpTarget));
            removeTree(cpTarget);
          },
        ]);
      }
      raw.restore = { ours, peer };
      figures.push({
        id: 'restore-vs-cp',
        title: `Restore, ${formatBytes(gen.bytes)}`,
        unit: 'seconds',
        ours: ours.map((t) => t.seconds),
        peer: peer.map((t) => t.seconds),
        peerLabel: 'cp -a',
        target: { kind: 'ratioAtMost', value: 1.2 },
      });
      syncNote('Restore, ours', ours);
      syncNote('Restore, cp -a', peer);
    }

    if (wants('incremental')) {
      if (!s.haveRsync) {
        figures.push(notMeasured('incremental', 'Nightly incremental vs rsync --link-dest', 'rsync is not installed'));
      } else {
        s.log('nightly incremental after churn: ours vs rsync -a --link-dest …');
        const ours: DurableTimed[] = [];
        const peer: DurableTimed[] = [];
        const churned: number[] = [];
        for (let i = 1; i <= s.runs; i++) {
          const night = churn({ dir: data, seed: s.seed, night: i });
          churned.push(night.bytesWritten);
          await syncFs(s.workDir);
          await alternate(i, [
            async () => {
              ours.push(await backup(s.cli, data, store, state));
            },
            async () => {
              peer.push(await rsyncA(data, rsyncDir(i), rsyncDir(i - 1)));
            },
          ]);
          await syncFs(s.workDir);
        }
        raw.incremental = { ours, peer, churnedBytes: churned };
        figures.push({
          id: 'incremental-vs-rsync-link-dest',
          title: `Nightly incremental (${formatBytes(median(churned))} churn)`,
          unit: 'seconds',
          ours: ours.map((t) => t.seconds),
          peer: peer.map((t) => t.seconds),
          peerLabel: 'rsync --link-dest',
          target: { kind: 'ratioAtMost', value: 1, strict: true },
        });
        syncNote('Incremental, ours', ours);
        syncNote('Incremental, rsync --link-dest', peer);
      }
    }
    removeTree(w('rsync'));
    removeTree(store);
    removeTree(data);
  }

  if (wants('sweep') || wants('memory')) {
    const many = w('many');
    const store = w('many-store');
    const state = w('many-state');
    const rsyncDir = (n: number): string => w('many-rsync', String(n));
    s.log(`generating the many-files variant (${s.manyFiles.toLocaleString('en-US')} documents) …`);
    const gen: GenerateStats = generateAvimarkTree(manyFilesOptions(many, s.seed, s.manyFiles));
    s.log(`  ${gen.files} files, ${formatBytes(gen.bytes)} in ${formatSeconds(gen.seconds)}`);
    raw.manyDataset = gen;
    await syncFs(s.workDir);
    await warm(many);
    s.log('  first (full) backups …');
    const oursFull = await backup(s.cli, many, store, state);
    const rsyncFull = s.haveRsync ? await rsyncA(many, rsyncDir(0)) : null;
    const ours: DurableTimed[] = [];
    const peer: DurableTimed[] = [];
    if (wants('sweep') && s.haveRsync) {
      s.log('sweep with nothing changed: ours vs rsync -a --link-dest …');
      for (let i = 1; i <= s.runs; i++) {
        await alternate(i, [
          async () => {
            ours.push(await backup(s.cli, many, store, state));
          },
          async () => {
            peer.push(await rsyncA(many, rsyncDir(i), rsyncDir(i - 1)));
          },
        ]);
      }
      figures.push({
        id: 'sweep-vs-rsync-link-dest',
        title: `Sweep, ${gen.files.toLocaleString('en-US')} files, nothing changed`,
        unit: 'seconds',
        ours: ours.map((t) => t.seconds),
        peer: peer.map((t) => t.seconds),
        peerLabel: 'rsync --link-dest',
        target: { kind: 'ratioAtMost', value: 1, strict: true },
      });
      syncNote('Sweep, ours', ours);
      syncNote('Sweep, rsync --link-dest', peer);
    } else if (wants('sweep')) {
      figures.push(notMeasured('sweep', 'Sweep vs rsync --link-dest', 'rsync is not installed'));
    }
    raw.sweep = { oursFull, rsyncFull, ours, peer };
    if (wants('memory')) {
      const rss = [oursFull, ...ours].map((t) => t.peakRssBytes).filter((v): v is number => v !== null);
      figures.push(
        rss.length > 0
          ? {
              id: 'memory-many-files',
              title: `Peak RSS, backup of ${gen.files.toLocaleString('en-US')} files (full and sweeps)`,
              unit: 'bytes',
              ours: [Math.max(...rss)],
              peer: null,
              peerLabel: rsyncFull?.peakRssBytes ? `rsync -a: ${formatBytes(rsyncFull.peakRssBytes)}` : '—',
              target: { kind: 'absoluteMax', value: MB200, label: '200 MB (190.7 MiB)' },
            }
          : notMeasured('memory-many-files', 'Peak RSS at 100,000 files', '/usr/bin/time (GNU time) is not installed'),
      );
    }
    removeTree(w('many-rsync'));
    removeTree(store);
    removeTree(many);
  }

  if (wants('offline')) {
    const presyncTitle = 'Offline window, presync vs offline mode';
    const vssTitle = 'Offline window, vss: full vs quarter data size';
    if ('unavailable' in s.offline) {
      figures.push({ ...notMeasured('offline-offline', 'Offline window, offline mode', s.offline.unavailable) });
      figures.push({
        ...notMeasured('offline-presync', presyncTitle, s.offline.unavailable),
        target: { kind: 'ratioAtMost', value: 0.1, strict: true },
      });
      figures.push({
        ...notMeasured('offline-vss', vssTitle, s.offline.unavailable),
        target: { kind: 'ratioAtMost', value: 1.5 },
      });
    } else {
      const { measure, dataBytes } = s.offline;
      const quarter = Math.max(4 * 1024 * 1024, Math.round(dataBytes / 4));
      const got: Record<'offline' | 'presync' | 'vss' | 'vssQuarter', OfflineMeasurement[]> = {
        offline: [],
        presync: [],
        vss: [],
        vssQuarter: [],
      };
      const failures: string[] = [];
      // A cycle that fails (e.g. the quiet proof still sees a stand-in) is tried once more, then recorded.
      const one = (key: keyof typeof got, mode: CycleMode, bytes: number) => async (): Promise<void> => {
        for (let attempt = 1; attempt <= 2; attempt++) {
          s.log(`  ${mode} mode, ${formatBytes(bytes)}${attempt > 1 ? ' (again)' : ''} …`);
          try {
            got[key].push(await measure({ mode, dataBytes: bytes, seed: s.seed, workDir: s.workDir }));
            return;
          } catch (err) {
            failures.push(
              `${mode} at ${formatBytes(bytes)}: ${err instanceof Error ? err.message.split('\n').join(' ') : String(err)}`,
            );
          }
        }
      };
      s.log('offline window against the simulated Windows server …');
      for (let i = 0; i < s.runs; i++) {
        await alternate(i, [
          one('offline', 'offline', dataBytes),
          one('presync', 'presync', dataBytes),
          one('vss', 'vss', dataBytes),
          one('vssQuarter', 'vss', quarter),
        ]);
      }
      raw.offlineWindow = { ...got, failures };
      for (const f of failures) notes.push(`Offline window: a cycle failed — ${f}`);
      const windows = (m: OfflineMeasurement[]) => m.map((x) => x.offlineSeconds);
      // Real VSS snapshots are copy-on-write (constant time); the simulator copies the whole volume inside
      // createShadowCopy, so that share is taken out to judge what our own code keeps AVImark offline for.
      const vssOwn = (m: OfflineMeasurement[]) => m.map((x) => Math.max(0, x.offlineSeconds - x.shadowSeconds));
      const med = (xs: number[]) => (xs.length > 0 ? formatSeconds(median(xs)) : '—');
      const failed = 'the cycle failed (see the notes)';
      const offlineTitle = `Offline window, offline mode, ${formatBytes(dataBytes)}`;
      figures.push(
        got.offline.length > 0
          ? {
              id: 'offline-offline',
              title: offlineTitle,
              unit: 'seconds',
              ours: windows(got.offline),
              peer: null,
              peerLabel: '—',
              target: { kind: 'none' },
            }
          : notMeasured('offline-offline', offlineTitle, failed),
      );
      const presync: Figure = {
        id: 'offline-presync',
        title: `${presyncTitle}, ${formatBytes(dataBytes)}`,
        unit: 'seconds',
        ours: windows(got.presync),
        peer: windows(got.offline),
        peerLabel: 'offline mode',
        target: { kind: 'ratioAtMost', value: 0.1, strict: true },
      };
      figures.push(
        got.presync.length > 0 && got.offline.length > 0 ? presync : { ...presync, ours: [], notMeasured: failed },
      );
      const vss: Figure = {
        id: 'offline-vss',
        title: `${vssTitle} (${formatBytes(dataBytes)} vs ${formatBytes(quarter)})`,
        unit: 'seconds',
        ours: vssOwn(got.vss),
        peer: vssOwn(got.vssQuarter),
        peerLabel: `vss at ${formatBytes(quarter)}`,
        target: { kind: 'ratioAtMost', value: 1.5 },
        note:
          `the simulated createShadowCopy copies the volume (median ${med(got.vss.map((x) => x.shadowSeconds))} at full size, ` +
          `${med(got.vssQuarter.map((x) => x.shadowSeconds))} at a quarter); that share is excluded, since a real VSS snapshot is copy-on-write. ` +
          `Windows including it: ${med(windows(got.vss))} vs ${med(windows(got.vssQuarter))}.`,
      };
      figures.push(got.vss.length > 0 && got.vssQuarter.length > 0 ? vss : { ...vss, ours: [], notMeasured: failed });
      const writes = [...got.offline, ...got.presync, ...got.vss].map((x) => x.writesWhileOnline);
      const steps = [...got.offline, ...got.presync, ...got.vss, ...got.vssQuarter].flatMap((x) => x.lockoutSteps);
      const stepSeconds = steps.reduce((sum, x) => sum + x.seconds, 0) / Math.max(1, steps.length);
      notes.push(
        `Offline window: real PowerShell bridge against the simulator (test/sim), no user warnings, grace period 0 s; a stand-in writer changed CLIENT.V2$ and LOG151.V2$ every 50 ms while AVImark ran (median ${writes.length > 0 ? median(writes) : 0} writes per cycle). ` +
          `Lockout steps took ${stepSeconds.toFixed(2)} s each on average (PowerShell round trips), a fixed cost in every mode.`,
      );
    }
  }

  return { figures, notes, raw };
}

function notMeasured(id: string, title: string, reason: string): Figure {
  return {
    id,
    title,
    unit: 'seconds',
    ours: [],
    peer: null,
    peerLabel: '',
    target: { kind: 'none' },
    notMeasured: reason,
  };
}
