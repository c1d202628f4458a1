import path from 'node:path';
import { createMappedFs } from './mapped';
import type { SourceFs } from './types';

/** A file the lockout renamed: the snapshot must still show it under its real name. */
export interface RenamedFile {
  /** The name users and AVImark know, e.g. C:\AVImark\avimark.exe. */
  original: string;
  /** Where it is during the lockout, e.g. C:\AVImark\avimark.exe.avimark-backup-locked. */
  renamed: string;
}

/**
 * Reads the source as if the lockout had not renamed anything: listings show `original` in place of
 * `renamed`, and every read of `original` goes to `renamed`. Without this the snapshot taken under
 * lockout would hold avimark.exe.avimark-backup-locked and no avimark.exe, and a restored folder would
 * not start.
 */
export function createRenamedFilesFs(
  inner: SourceFs,
  renamed: RenamedFile[],
  pathApi: path.PlatformPath = path,
): SourceFs {
  if (renamed.length === 0) return inner;
  const fold = (p: string) => (pathApi === path.win32 ? pathApi.normalize(p).toLowerCase() : pathApi.normalize(p));
  const byOriginal = new Map(renamed.map((r) => [fold(r.original), r.renamed]));
  const byDir = new Map<string, Map<string, string>>();
  for (const r of renamed) {
    const dir = fold(pathApi.dirname(r.renamed));
    const names = byDir.get(dir) ?? new Map<string, string>();
    names.set(pathApi.basename(r.renamed), pathApi.basename(r.original));
    byDir.set(dir, names);
  }
  return createMappedFs(inner, {
    toInner: (p) => byOriginal.get(fold(p)) ?? p,
    entryName: (dir, name) => byDir.get(fold(dir))?.get(name) ?? name,
  });
}
