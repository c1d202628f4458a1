import path from 'node:path';

/**
 * Maps a live path to the same file inside a shadow copy: the shadow's device object plus the path
 * relative to the volume root, like restic's fs_local_vss.go. Pure string work; both Windows paths
 * (`C:\AVImark\CLIENT.V2$` → `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy3\AVImark\CLIENT.V2$`)
 * and the simulator's POSIX paths (`/tmp/x/C/AVImark/…` → `/tmp/x/shadows/HarddiskVolumeShadowCopy3/AVImark/…`).
 *
 * Paths are built by concatenation, never path.resolve/join on the device object: path.win32 treats
 * `\\?\GLOBALROOT\` as a UNC root, so `..` would climb out of the shadow (see the reference, §4.4).
 */

export type PathFlavor = 'win32' | 'posix';

/** Windows when the volume root looks like a drive, a UNC/device path or contains a backslash. */
export function pathFlavor(volumeRoot: string): PathFlavor {
  if (/^[A-Za-z]:/.test(volumeRoot) || volumeRoot.startsWith('\\\\') || volumeRoot.includes('\\')) return 'win32';
  return 'posix';
}

function withTrailingSeparator(p: string, sep: string): string {
  return p.endsWith(sep) ? p : p + sep;
}

/**
 * The path of `livePath` relative to `volumeRoot` ('' for the root itself), with the flavor's separator.
 * Throws when the path is not on that volume (after normalisation, so `..` cannot escape).
 */
export function relativeToVolume(livePath: string, volumeRoot: string): string {
  const flavor = pathFlavor(volumeRoot);
  const p = flavor === 'win32' ? path.win32 : path.posix;
  const root = withTrailingSeparator(p.normalize(volumeRoot), p.sep);
  const live = p.normalize(livePath);
  if (!p.isAbsolute(live)) throw new Error(`not an absolute path: ${livePath}`);
  const same = (a: string, b: string) => (flavor === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b);
  if (same(withTrailingSeparator(live, p.sep), root)) return '';
  if (live.length > root.length && same(live.slice(0, root.length), root)) {
    return live.slice(root.length).replace(/[\\/]+$/, '');
  }
  throw new Error(`${livePath} is not on volume ${volumeRoot}`);
}

/** The path of `livePath` inside the shadow copy whose device object is `deviceObject` (no trailing separator). */
export function shadowPath(livePath: string, volumeRoot: string, deviceObject: string): string {
  const flavor = pathFlavor(volumeRoot);
  const sep = flavor === 'win32' ? '\\' : '/';
  const device = deviceObject.replace(/[\\/]+$/, '');
  if (device.length === 0) throw new Error('empty shadow copy device object');
  const rel = relativeToVolume(livePath, volumeRoot);
  return rel === '' ? device + sep : device + sep + rel;
}

/**
 * Where a path under `liveRoot` is read from when that folder is read through `shadowRoot` (the same
 * relative path below it); paths elsewhere are returned unchanged. Used by the shadow FileSystem.
 */
export function shadowPathOf(
  livePath: string,
  liveRoot: string,
  shadowRoot: string,
  pathApi: path.PlatformPath = path,
): string {
  const rel = pathApi.relative(pathApi.resolve(liveRoot), pathApi.resolve(livePath));
  if (rel === '') return shadowRoot;
  if (rel.startsWith('..') || pathApi.isAbsolute(rel)) return livePath;
  return pathApi.join(shadowRoot, rel);
}
