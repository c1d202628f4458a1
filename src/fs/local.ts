import * as fsp from 'node:fs/promises';
import type { FileSystem } from './types';

/** The real disk: node:fs/promises itself, restricted to the FileSystem surface. */
export const localFs: FileSystem = {
  lstat: fsp.lstat,
  stat: fsp.stat,
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
