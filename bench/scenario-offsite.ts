import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { churn, generateAvimarkTree, listTree } from './generate';
import { removeTree, timed } from './measure';
import type { OurCli } from './ours';
import { type BenchSettings, type Collected, inWork } from './scenario-common';
import { formatBytes } from './units';

/**
 * Issue 15's figure: after one night of churn, how many bytes the offsite push adds to the restic
 * repository (restic's content-defined chunks, compressed) against the bytes the night changed, measured as
 * the repository folder's growth on disk; restic's own `data_added` (before compression) is in the note.
 * Local repository, restic from PATH; one run (restic's deduplication is deterministic for the same data).
 */

/** The sizes of every file under `dir`, added up. */
const treeBytes = (dir: string): number => listTree(dir).reduce((sum, f) => sum + f.size, 0);

/** restic on PATH, as the absolute path offsite.restic requires. */
function resticOnPath(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, 'restic');
    if (dir && existsSync(file)) return file;
  }
  throw new Error('restic is not on PATH (Debian: sudo apt-get install -y restic)');
}

async function ours(cli: OurCli, args: string[]): Promise<string> {
  const r = await timed(cli.file, [...cli.prefix, ...args]);
  return r.stdout;
}

function bytesAdded(stdout: string): number {
  const parsed = JSON.parse(stdout) as { bytesAdded?: unknown };
  if (typeof parsed.bytesAdded !== 'number')
    throw new Error(`offsite push printed no bytesAdded: ${stdout.slice(0, 200)}`);
  return parsed.bytesAdded;
}

export async function runOffsiteFigure(s: BenchSettings): Promise<Collected> {
  const id = 'offsite-added-after-churn';
  const title = 'Offsite push after one night of churn: bytes added to the restic repository';
  const w = (...p: string[]) => inWork(s, 'offsite', ...p);
  try {
    // Not a timed figure, and it needs room for a source, a store and a repository at full scale: the
    // outputs set aside by the timed runs before it go now (the full bench of 2026-12-07, with the
    // 1,000,000-file variant in the trash, failed this figure with ENOSPC).
    await s.trash.empty();
    removeTree(w());
    mkdirSync(w(), { recursive: true });
    const source = w('AVImark');
    generateAvimarkTree({ dir: source, totalBytes: s.scaleBytes, seed: s.seed });
    const passwordFile = w('password.txt');
    writeFileSync(passwordFile, 'bench-only-password\n');
    const config = w('config.json');
    writeFileSync(
      config,
      JSON.stringify({
        source,
        destination: w('store'),
        stateDir: w('state'),
        offsite: { restic: resticOnPath(), repository: w('repo'), passwordFile },
      }),
    );
    s.log('offsite: init, first backup and push …');
    await ours(s.cli, ['offsite', 'init', '--config', config]);
    await ours(s.cli, ['backup', '--no-lockout', '--config', config]);
    const first = bytesAdded(await ours(s.cli, ['offsite', 'push', '--config', config, '--json']));
    const firstStored = treeBytes(w('repo'));
    const night = churn({ dir: source, seed: s.seed, night: 1 });
    s.log('offsite: one night of churn, backup and push …');
    await ours(s.cli, ['backup', '--no-lockout', '--config', config]);
    const second = bytesAdded(await ours(s.cli, ['offsite', 'push', '--config', config, '--json']));
    const secondStored = treeBytes(w('repo')) - firstStored;
    removeTree(w());
    return {
      figures: [
        {
          id,
          title,
          unit: 'bytes',
          ours: [secondStored],
          peer: [night.bytesWritten],
          peerLabel: 'bytes the night changed',
          target: { kind: 'none' },
          note: `the repository folder's growth on disk: first push ${formatBytes(firstStored)} for the whole data set (restic's data_added, before compression: ${formatBytes(first)}); after the churn ${formatBytes(secondStored)} (data_added ${formatBytes(second)}) against ${formatBytes(night.bytesWritten)} changed. restic's content-defined chunks average 1 MiB, 512 KiB to 8 MiB, so each changed region of a table costs about one chunk before compression; the share falls as the data set grows.`,
        },
      ],
      notes: [],
      raw: {
        offsite: {
          firstPushBytes: first,
          secondPushBytes: second,
          firstStoredBytes: firstStored,
          secondStoredBytes: secondStored,
          churnBytes: night.bytesWritten,
        },
      },
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      figures: [
        {
          id,
          title,
          unit: 'bytes',
          ours: [],
          peer: null,
          peerLabel: '',
          target: { kind: 'none' },
          notMeasured: reason,
        },
      ],
      notes: [],
      raw: {},
    };
  }
}
