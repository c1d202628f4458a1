import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { promisify } from 'node:util';
import { isNearPath } from './near-path';
import type { FileSystem } from './types';

/**
 * The real disk: node:fs/promises, restricted to the FileSystem surface. The calls made once per file
 * (lstat, stat, link; rename, chmod, utimes of a copy or a restore; unlink) go through the callback API:
 * node:fs/promises allocates a stats array for every request it makes, the callback API does not.
 * Measured on Node 20: lstat/stat about half the event-loop cost (20,000 files, and a sweep makes two per
 * file); 50,000 files linked, 0.59–0.65 s of user CPU instead of 0.71–0.90 s.
 *
 * The two calls a nightly run makes for every unchanged file, the scan's `lstat` and the `link` into the
 * new snapshot, are made synchronously when the path is on a disk of this computer (./near-path.ts): a
 * 100,419-file no-change sweep took 4.9–6.1 s instead of 6.2–7.6 s, system CPU 1.9–2.3 s instead of 4.8–5.2
 * s (docs/bench.md, levers). On a network share they stay requests to the thread pool.
 */
const lstatAsync = promisify(fs.lstat) as FileSystem['lstat'];
const linkAsync = promisify(fs.link);

/** `lstat`: synchronous on a near path (a promise all the same: a failure is a rejection). */
const lstat = (async (p: fs.PathLike, options?: fs.StatOptions) =>
  typeof p === 'string' && isNearPath(p) ? fs.lstatSync(p, options) : lstatAsync(p, options)) as FileSystem['lstat'];

/** `link`: synchronous when both paths are near. */
async function link(existing: fs.PathLike, created: fs.PathLike): Promise<void> {
  if (typeof existing === 'string' && typeof created === 'string' && isNearPath(existing) && isNearPath(created)) {
    fs.linkSync(existing, created);
    return;
  }
  return linkAsync(existing, created);
}

export const localFs: FileSystem = {
  lstat,
  stat: promisify(fs.stat) as FileSystem['stat'],
  readdir: fsp.readdir,
  opendir: fsp.opendir,
  open: fsp.open,
  mkdir: fsp.mkdir,
  link,
  rename: promisify(fs.rename),
  unlink: promisify(fs.unlink),
  rm: fsp.rm,
  rmdir: fsp.rmdir,
  chmod: promisify(fs.chmod),
  utimes: promisify(fs.utimes),
  lutimes: promisify(fs.lutimes),
  readlink: fsp.readlink,
  symlink: fsp.symlink,
  readFile: fsp.readFile,
  writeFile: fsp.writeFile,
  copyFile: fsp.copyFile,
  statfs: fsp.statfs,
  access: fsp.access,
};
