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

/**
 * What reading a backup source needs (scan, open, links, the dry run's folder reads): the surface of the
 * path-mapping wrappers (shadow copy, renamed files), so a wrapped source cannot be written through.
 */
export type SourceFs = Pick<FileSystem, 'lstat' | 'stat' | 'readdir' | 'opendir' | 'open' | 'readlink' | 'readFile'>;
