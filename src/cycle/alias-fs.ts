import type { Dir, Dirent } from 'node:fs';
import path from 'node:path';
import type { FileSystem } from '../fs/types';

/** A file the lockout renamed: the snapshot must still show it under its real name. */
export interface RenamedFile {
  /** The name users and AVImark know, e.g. C:\AVImark\avimark.exe. */
  original: string;
  /** Where it is during the lockout, e.g. C:\AVImark\avimark.exe.avimark-backup-locked. */
  renamed: string;
}

/**
 * Reads the source as if the lockout had not renamed anything: listings show `original` in place of
 * `renamed`, and every path operation on `original` goes to `renamed`. Without this the snapshot taken
 * under lockout would hold avimark.exe.avimark-backup-locked and no avimark.exe, and a restored
 * folder would not start.
 */
export function createRenamedFilesFs(
  inner: FileSystem,
  renamed: RenamedFile[],
  pathApi: path.PlatformPath = path,
): FileSystem {
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
  const mapPath = (p: unknown): unknown => (typeof p === 'string' ? (byOriginal.get(fold(p)) ?? p) : p);
  const twoPaths = new Set<keyof FileSystem>(['link', 'rename', 'copyFile']);

  const wrapped: Partial<Record<keyof FileSystem, unknown>> = {};
  for (const name of Object.keys(inner) as (keyof FileSystem)[]) {
    const fn = inner[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      const next = [...args];
      if (name === 'symlink') next[1] = mapPath(next[1]);
      else {
        next[0] = mapPath(next[0]);
        if (twoPaths.has(name)) next[1] = mapPath(next[1]);
      }
      return fn(...next);
    };
  }

  const renameEntry = (dir: string, entry: unknown): unknown => {
    const names = byDir.get(fold(dir));
    if (!names) return entry;
    if (typeof entry === 'string') return names.get(entry) ?? entry;
    if (entry && typeof entry === 'object' && 'name' in entry) {
      const d = entry as Dirent;
      const real = names.get(String(d.name));
      if (real !== undefined) d.name = real;
    }
    return entry;
  };

  wrapped.readdir = async (...args: unknown[]) => {
    const list = (await (inner.readdir as (...a: unknown[]) => Promise<unknown[]>)(...args)) as unknown[];
    return list.map((e) => renameEntry(String(args[0]), e));
  };
  wrapped.opendir = async (dirPath: string, options?: unknown) => {
    const dir = await inner.opendir(dirPath, options as Parameters<FileSystem['opendir']>[1]);
    return aliasDir(dir, (e) => renameEntry(dirPath, e) as Dirent);
  };
  return wrapped as FileSystem;
}

function aliasDir(dir: Dir, rename: (e: Dirent) => Dirent): Dir {
  const wrapper = {
    path: dir.path,
    close: (...a: unknown[]) => (dir.close as (...x: unknown[]) => unknown)(...a),
    closeSync: () => dir.closeSync(),
    read: async () => {
      const e = await dir.read();
      return e === null ? null : rename(e);
    },
    readSync: () => {
      const e = dir.readSync();
      return e === null ? null : rename(e);
    },
    async *[Symbol.asyncIterator]() {
      for await (const e of dir) yield rename(e);
    },
  };
  return wrapper as unknown as Dir;
}
