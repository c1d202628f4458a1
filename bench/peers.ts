import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type DurableTimed, type Timed, durable, timed } from './measure';

/** What a user would otherwise run; each is timed until its copy is durable (see `durable`). */

export function cpA(from: string, to: string): Promise<DurableTimed> {
  return durable(timed('cp', ['-a', '--', from, to]), to);
}

/** `rsync -a from/ to/`, optionally hard-linking unchanged files to `linkDest` (rsnapshot style). */
export function rsyncA(
  from: string,
  to: string,
  linkDest?: string,
  options: { fsync?: boolean } = {},
): Promise<DurableTimed> {
  mkdirSync(path.dirname(to), { recursive: true });
  const args = [
    '-a',
    ...(options.fsync ? ['--fsync'] : []),
    ...(linkDest ? [`--link-dest=${linkDest}`] : []),
    '--',
    `${from}/`,
    `${to}/`,
  ];
  return durable(timed('rsync', args), to);
}

/** SHA-256 of every file under `dir`, one sha256sum process per batch (what an admin would script). */
export function sha256sumTree(dir: string): Promise<Timed> {
  return timed('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 -r sha256sum > /dev/null', 'sh', dir]);
}
