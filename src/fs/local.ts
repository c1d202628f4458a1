import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { promisify } from 'node:util';
import type { FileSystem } from './types';

type StatResult = fs.Stats | fs.BigIntStats;
type StatCall = (
  p: fs.PathLike,
  options: fs.StatOptions,
  done: (err: NodeJS.ErrnoException | null, st: StatResult) => void,
) => void;

/**
 * lstat and stat through the callback API: the same system call, but about half the event-loop cost
 * of node:fs/promises' versions (measured on Node 20, 20,000 files), and a sweep makes two per file.
 */
function viaCallback(call: StatCall): (p: fs.PathLike, options?: fs.StatOptions) => Promise<StatResult> {
  return (p, options) =>
    new Promise((resolve, reject) => {
      call(p, options ?? {}, (err, st) => (err ? reject(err) : resolve(st)));
    });
}

/**
 * The real disk: node:fs/promises, restricted to the FileSystem surface. The calls made once per file
 * (lstat, stat, link; rename, chmod, utimes of a copy or a restore; unlink) go through the callback API:
 * node:fs/promises allocates a stats array for every request it makes, the callback API does not.
 * Measured on Node 20, 50,000 files linked: 0.59–0.65 s of user CPU instead of 0.71–0.90 s.
 */
export const localFs: FileSystem = {
  lstat: viaCallback(fs.lstat as StatCall) as FileSystem['lstat'],
  stat: viaCallback(fs.stat as StatCall) as FileSystem['stat'],
  readdir: fsp.readdir,
  opendir: fsp.opendir,
  open: fsp.open,
  mkdir: fsp.mkdir,
  link: promisify(fs.link),
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
