import { pathFlavor } from '../../fs/shadow-path';

/** Names on the in-memory server compare case-insensitively, as on Windows. */
export const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Whether `child` is `prefix` or a path inside it (case-insensitive). */
export function isUnder(child: string, prefix: string): boolean {
  const c = child.toLowerCase();
  const p = prefix.toLowerCase();
  if (c === p) return true;
  const withSep = /[\\/]$/.test(p) ? p : p + (pathFlavor(prefix) === 'win32' ? '\\' : '/');
  return c.startsWith(withSep);
}
