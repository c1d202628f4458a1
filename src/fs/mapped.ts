import type { Dir, Dirent } from 'node:fs';
import type { SourceFs } from './types';

/** How a mapped source is read: where each path really is, and how listings name what they find. */
export interface PathMapping {
  /** The path to read instead of `p` (`p` itself when it is not mapped). */
  toInner(p: string): string;
  /** The name a listing of the folder `dir` (as the caller named it) shows for `name` (default: unchanged). */
  entryName?(dir: string, name: string): string;
}

type AnyCall = (...args: unknown[]) => Promise<unknown>;

/**
 * A source read through a path mapping (the shadow copy of a live folder; files the lockout renamed):
 * callers keep using the paths they know, every read goes where `mapping` says. Only the methods a source
 * read needs: nothing can be written through it.
 */
export function createMappedFs(inner: SourceFs, mapping: PathMapping): SourceFs {
  const at = (p: unknown): unknown => (typeof p === 'string' ? mapping.toInner(p) : p);
  const onPath = <K extends keyof SourceFs>(name: K): SourceFs[K] => {
    const fn = inner[name] as unknown as AnyCall;
    return ((p: unknown, ...rest: unknown[]) => fn(at(p), ...rest)) as unknown as SourceFs[K];
  };
  const mapped: SourceFs = {
    lstat: onPath('lstat'),
    stat: onPath('stat'),
    open: onPath('open'),
    readlink: onPath('readlink'),
    readFile: onPath('readFile'),
    readdir: onPath('readdir'),
    opendir: onPath('opendir'),
  };
  const entryName = mapping.entryName;
  if (entryName === undefined) return mapped;
  const rename = (dir: string, entry: unknown): unknown => {
    if (typeof entry === 'string') return entryName(dir, entry);
    if (entry !== null && typeof entry === 'object' && 'name' in entry) {
      const d = entry as Dirent;
      d.name = entryName(dir, String(d.name));
    }
    return entry;
  };
  const readdir = mapped.readdir as unknown as AnyCall;
  mapped.readdir = (async (dir: string, ...rest: unknown[]) => {
    const list = (await readdir(dir, ...rest)) as unknown[];
    return list.map((e) => rename(dir, e));
  }) as unknown as SourceFs['readdir'];
  const opendir = mapped.opendir;
  mapped.opendir = async (dirPath, options) =>
    renamingDir(await opendir(dirPath, options), (e) => rename(String(dirPath), e) as Dirent);
  return mapped;
}

function renamingDir(dir: Dir, rename: (e: Dirent) => Dirent): Dir {
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
