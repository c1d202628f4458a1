import path from 'node:path';

/** Windows paths (C:\…, \\server\…) are handled with win32 rules on any OS, so tests on Linux see what Windows sees. */
export function isWindowsPath(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

export function pathApi(p: string): path.PlatformPath {
  return isWindowsPath(p) ? path.win32 : path.posix;
}

export function joinPath(base: string, ...parts: string[]): string {
  return pathApi(base).join(base, ...parts);
}
