import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import { joinRelative } from '../fs/join-relative';
import type { FileSystem } from '../fs/types';
import { errnoCode } from '../errors';
import { isExcluded } from './plan';
import { type RetryHooks, type RetryPolicy, withRetry } from '../fs/retry';

export type ScanEntry =
  | { type: 'dir' | 'file' | 'symlink'; rel: string; abs: string; stat: BigIntStats }
  | {
      type: 'special';
      rel: string;
      abs: string;
      stat: BigIntStats;
      /** Why it cannot be backed up, when not because of its type (a name that is not valid UTF-8). */
      why?: string;
    };

export interface ScanOptions {
  exclude?: readonly string[];
  caseInsensitive?: boolean;
  signal?: AbortSignal;
  /** Retries a folder listing (opening AND reading it, from the start) on transient errors. */
  retry?: { policy: RetryPolicy; hooks?: RetryHooks };
}

function kind(st: BigIntStats): ScanEntry['type'] {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'special';
}

const LSTAT_BATCH = 32;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A name's bytes as text: valid UTF-8 as it is, every other byte as \xNN (as ls -b shows it). */
export function escapeName(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    const seq = size > 0 ? bytes.subarray(i, i + size) : null;
    if (seq !== null && seq.length === size && isUtf8(seq)) {
      out += seq.toString('utf8');
      i += size;
    } else {
      out += `\\x${lead.toString(16).toUpperCase().padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

/** The entries of `absDir` whose names are not valid UTF-8, as `special` entries naming them (escaped). */
async function undecodableNames(
  fs: Pick<FileSystem, 'opendir' | 'lstat'>,
  absDir: string,
  relDir: string,
): Promise<ScanEntry[]> {
  const found: ScanEntry[] = [];
  const dir = await fs.opendir(absDir, { encoding: 'buffer' as BufferEncoding });
  for await (const dirent of dir) {
    const raw = dirent.name as unknown as Buffer;
    if (isUtf8(raw)) continue;
    const abs = Buffer.concat([Buffer.from(path.join(absDir, path.sep)), raw]);
    const stat = await fs.lstat(abs, { bigint: true }).catch(() => null);
    if (stat === null) continue; // gone since the listing
    const name = escapeName(raw);
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    found.push({ type: 'special', rel, abs: path.join(absDir, name), stat, why: 'its name is not valid UTF-8' });
  }
  return found;
}

/**
 * Walks `root` depth-first and yields every entry below it (not the root itself) in the manifest's path
 * order (`comparePaths`): a folder before its contents, and a folder's contents after every sibling whose
 * name sorts before `folder/` (`a`, `a-c`, `a.b`, `a/b`), so the scan can be merged with a manifest read as
 * a stream. Uses lstat, so symlinks and junctions are reported, never followed; `special` entries (FIFOs,
 * sockets, devices) are reported for the caller to skip with a warning (names that are not valid UTF-8
 * first, out of that order). Only one folder's names are held at a time per level, so memory follows the
 * depth and the widest folder, not the size.
 */
export async function* scanTree(
  fs: Pick<FileSystem, 'opendir' | 'lstat'>,
  root: string,
  options: ScanOptions = {},
): AsyncGenerator<ScanEntry> {
  const exclude = options.exclude ?? [];
  const caseInsensitive = options.caseInsensitive ?? process.platform === 'win32';
  async function* walk(absDir: string, relDir: string): AsyncGenerator<ScanEntry> {
    const list = async (): Promise<string[]> => {
      const listed: string[] = [];
      const dir = await fs.opendir(absDir, { bufferSize: 256 });
      for await (const dirent of dir) listed.push(dirent.name);
      return listed;
    };
    const retry = options.retry;
    let names: string[];
    try {
      names = retry ? await withRetry(list, retry.policy, { signal: options.signal, ...retry.hooks }) : await list();
    } catch (err) {
      if (relDir !== '' && errnoCode(err) === 'ENOENT') return; // removed while we walked
      throw err;
    }
    names.sort(byName);
    // A name that is not valid UTF-8 (Linux) arrives with U+FFFD in place of its bad bytes and could not be
    // opened under that name: it is reported (its bytes escaped), never skipped without a word.
    if (names.some((name) => name.includes('\uFFFD'))) {
      for (const bad of await undecodableNames(fs, absDir, relDir)) yield bad;
    }
    const wanted = names.flatMap((name) => {
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      return exclude.length > 0 && isExcluded(rel, exclude, caseInsensitive)
        ? []
        : [{ name, rel, abs: joinRelative(absDir, name) }];
    });
    // Subfolders met but not yet walked, by `name/` (their contents' place among the siblings), in order.
    const waiting: { key: string; rel: string; abs: string }[] = [];
    // The lstats of a batch run at once (one thread-pool round trip each, overlapped); yielded in order.
    for (let i = 0; i < wanted.length; i += LSTAT_BATCH) {
      options.signal?.throwIfAborted();
      const batch = wanted.slice(i, i + LSTAT_BATCH);
      const stats = await Promise.all(
        batch.map(({ abs }) =>
          fs.lstat(abs, { bigint: true }).catch((err: unknown) => {
            if (errnoCode(err) === 'ENOENT') return null; // deleted between the listing and now
            throw err;
          }),
        ),
      );
      for (let j = 0; j < batch.length; j += 1) {
        const stat = stats[j];
        if (stat === null) continue;
        const { name, rel, abs } = batch[j];
        while (waiting.length > 0 && waiting[0].key < name) {
          const folder = waiting.shift() as (typeof waiting)[number];
          yield* walk(folder.abs, folder.rel);
        }
        const type = kind(stat);
        yield { type, rel, abs, stat } as ScanEntry;
        if (type === 'dir') {
          const key = `${name}/`;
          const at = waiting.findIndex((w) => key < w.key);
          waiting.splice(at === -1 ? waiting.length : at, 0, { key, rel, abs });
        }
      }
    }
    for (const folder of waiting) yield* walk(folder.abs, folder.rel);
  }
  yield* walk(root, '');
}
