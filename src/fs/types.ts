import type * as fsp from 'node:fs/promises';

/**
 * The only door through which the engine touches a disk. Local = node:fs/promises itself;
 * the shadow-mapped implementation rewrites live paths into a VSS shadow; tests wrap it to
 * inject faults (EBUSY, EIO, ENOSPC …) at a chosen rate.
 */
export type FileSystem = Pick<
  typeof fsp,
  | 'lstat'
  | 'stat'
  | 'readdir'
  | 'opendir'
  | 'open'
  | 'mkdir'
  | 'link'
  | 'rename'
  | 'unlink'
  | 'rm'
  | 'rmdir'
  | 'chmod'
  | 'utimes'
  | 'lutimes'
  | 'readlink'
  | 'symlink'
  | 'readFile'
  | 'writeFile'
  | 'copyFile'
  | 'statfs'
  | 'access'
>;
