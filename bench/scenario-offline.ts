import type { CycleMode, OfflineMeasurement } from './offline';
import type { Figure } from './report';
import { type BenchSettings, type Collected, alternate, notMeasured } from './scenario-common';
import { formatBytes, formatSeconds, median } from './units';

/** The offline window of the nightly cycle per mode, against the simulated Windows server (not in issue 17's table). */
export async function runOfflineFigures(s: BenchSettings): Promise<Collected> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
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
  return { figures, notes, raw };
}
