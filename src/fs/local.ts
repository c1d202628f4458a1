import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { promisify } from 'node:util';
import type { FileSystem } from './types';

/**
 * The real disk: node:fs/promises, restricted to the FileSystem surface. The calls made once per file
 * (lstat, stat, link; rename, chmod, utimes of a copy or a restore; unlink) go through the callback API:
 * node:fs/promises allocates a stats array for every request it makes, the callback API does not.
 * Measured on Node 20: lstat/stat about half the event-loop cost (20,000 files, and a sweep makes two per
 * file); 50,000 files linked, 0.59–0.65 s of user CPU instead of 0.71–0.90 s.
 */
export const localFs: FileSystem = {
  lstat: promisify(fs.lstat) as FileSystem['lstat'],
  stat: promisify(fs.stat) as FileSystem['stat'],
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
