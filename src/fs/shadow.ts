import path from 'node:path';
import type { FileSystem } from './types';

/**
 * A FileSystem that reads a live folder through another root — typically the same folder inside a
 * VSS shadow copy (`\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopyN\AVImark`), like restic's
 * fs_local_vss.go. Callers keep using live paths; every path under `liveRoot` is rewritten to the
 * same relative path under `shadowRoot`, paths elsewhere pass through unchanged.
 */
export function createShadowFs(
  inner: FileSystem,
  liveRoot: string,
  shadowRoot: string,
  pathApi: path.PlatformPath = path,
): FileSystem {
  const map = (p: unknown): unknown => (typeof p === 'string' ? shadowPathOf(p, liveRoot, shadowRoot, pathApi) : p);
  /** Methods whose first two arguments are both paths. */
  const twoPaths = new Set<keyof FileSystem>(['link', 'rename', 'copyFile']);
  const mapped: Partial<Record<keyof FileSystem, unknown>> = {};
  for (const name of Object.keys(inner) as (keyof FileSystem)[]) {
    const fn = inner[name] as (...args: unknown[]) => unknown;
    mapped[name] = (...args: unknown[]) => {
      const next = [...args];
      if (name === 'symlink')
        next[1] = map(next[1]); // symlink(target, path): the target is data, not a path to map
      else {
        next[0] = map(next[0]);
        if (twoPaths.has(name)) next[1] = map(next[1]);
      }
      return fn(...next);
    };
  }
  return mapped as FileSystem;
}

/** Exposed for tests and for the cycle's logging: where a live path is read from. */
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
