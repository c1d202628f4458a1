import { readdirSync } from 'node:fs';
import path from 'node:path';
import { NODE_FLAGS } from '../build/node-flags.mjs';
import { compareSnapshotIds, isSnapshotId } from '../src/store/layout';
import { type DurableTimed, type Timed, durable, timed } from './measure';

/**
 * How the bench calls avimark-backup: the bundle under this node, like `npm run bench` builds it, with the
 * flags the single executables start with (build/node-flags.mjs), so that it measures what ships.
 */
export interface OurCli {
  file: string;
  prefix: string[];
}

/** `node`: the Node that runs the bundle (this one by default; `bench --node` picks the executables' version). */
export function bundledCli(bundle: string, node: string = process.execPath): OurCli {
  return { file: node, prefix: [...NODE_FLAGS, bundle] };
}

function run(cli: OurCli, args: string[]): Promise<Timed> {
  return timed(cli.file, [...cli.prefix, ...args], { env: { AVIMARK_BACKUP_DEBUG: '1' } });
}

/** One backup without any lockout (a plain folder as source). */
export function backup(cli: OurCli, source: string, dest: string, stateDir: string): Promise<DurableTimed> {
  return durable(
    run(cli, ['backup', '--no-lockout', '--source', source, '--dest', dest, '--state-dir', stateDir]),
    dest,
  );
}

/** Full verification (every file re-hashed) of a snapshot. */
export function verify(cli: OurCli, dest: string, snapshot: string): Promise<Timed> {
  return run(cli, ['verify', snapshot, '--dest', dest]);
}

export function restore(cli: OurCli, dest: string, snapshot: string, target: string): Promise<DurableTimed> {
  return durable(run(cli, ['restore', snapshot, '--to', target, '--dest', dest]), target);
}

export function help(cli: OurCli): Promise<Timed> {
  return run(cli, ['--help']);
}

/** The newest complete snapshot id of a store (ids sort by time). */
export function latestSnapshot(dest: string): string {
  const ids = readdirSync(path.join(dest, 'snapshots')).filter(isSnapshotId).sort(compareSnapshotIds);
  const last = ids[ids.length - 1];
  if (!last) throw new Error(`no snapshot in ${dest}`);
  return last;
}

export function snapshotPath(dest: string, id: string): string {
  return path.join(dest, 'snapshots', id);
}
