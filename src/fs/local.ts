import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
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

/** The real disk: node:fs/promises (lstat and stat via callbacks), restricted to the FileSystem surface. */
export const localFs: FileSystem = {
  lstat: viaCallback(fs.lstat as StatCall) as FileSystem['lstat'],
  stat: viaCallback(fs.stat as StatCall) as FileSystem['stat'],
  readdir: fsp.readdir,
  opendir: fsp.opendir,
  open: fsp.open,
  mkdir: fsp.mkdir,
  link: fsp.link,
  rename: fsp.rename,
  unlink: fsp.unlink,
  rm: fsp.rm,
  rmdir: fsp.rmdir,
  chmod: fsp.chmod,
  utimes: fsp.utimes,
  lutimes: fsp.lutimes,
  readlink: fsp.readlink,
  symlink: fsp.symlink,
  readFile: fsp.readFile,
  writeFile: fsp.writeFile,
  copyFile: fsp.copyFile,
  statfs: fsp.statfs,
  access: fsp.access,
};
