import path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import type { FileSystem } from '../fs/types';
import { giveIoBuffer, takeIoBuffer } from '../fs/buffer-pool';
import { LineBuffer } from '../fs/line-buffer';
import { fsyncDir } from '../fs/durable';
import { DamageError } from '../errors';
import { LinkAncestry, entryPathProblem } from './entry-path';
import type { FileAttributes, ManifestEntry, ManifestHeader } from './types';

/**
 * Manifest file format (DEST/meta/<ID>/manifest.jsonl): one JSON object per line; the first line is the
 * ManifestHeader (its `entries` is the number of entry lines that follow), then one ManifestEntry per
 * path in ascending path order (`comparePaths`: UTF-16 code units, as JavaScript's `<`). Written under
 * a temporary name and renamed, so a manifest present under its final name is complete; readers still
 * check the count.
 */

/**
 * The manifest's order of paths: their UTF-16 code units compared in turn (JavaScript's `<`), the whole
 * path at once, so `a-c` and `a.b` come before `a/b` ('-' and '.' sort before '/'). The scan yields a
 * source in this order too (src/engine/scan.ts), so a scan can be merged with a manifest read as a stream.
 */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Streams entries to disk with bounded memory; `finish()` fsyncs and renames into place. Lines go through a
 * LineBuffer (encoded into pooled buffers as they come, so their strings die young: a 100,000-entry manifest
 * leaves no tens of MiB of promoted garbage behind), and a write waits while more than one buffer does.
 */
export class ManifestWriter {
  private readonly lines: LineBuffer;
  private count = 0;

  private constructor(
    private readonly fs: FileSystem,
    private readonly file: string,
    private readonly tmp: string,
    private readonly handle: FileHandle,
    private readonly expected: number,
  ) {
    this.lines = new LineBuffer(handle);
  }

  static async create(fs: FileSystem, file: string, header: ManifestHeader): Promise<ManifestWriter> {
    const tmp = `${file}.tmp-${process.pid}`;
    const handle = await fs.open(tmp, 'w');
    const writer = new ManifestWriter(fs, file, tmp, handle, header.entries);
    writer.lines.addLine(JSON.stringify(header));
    return writer;
  }

  async write(entry: ManifestEntry): Promise<void> {
    await this.writeLine(JSON.stringify(entry));
  }

  /** An entry already serialised as `write` would (one this program wrote: not checked again). */
  async writeLine(json: string): Promise<void> {
    this.lines.addLine(json);
    this.count += 1;
    await this.lines.room();
  }

  /** Makes the manifest durable under its final name; its size in bytes (the run record keeps it). */
  async finish(): Promise<number> {
    if (this.count !== this.expected) {
      await this.abort();
      throw new Error(
        `manifest ${this.file}: header announces ${this.expected} entries but ${this.count} were written`,
      );
    }
    this.lines.flush();
    try {
      await this.lines.drained();
    } catch (err) {
      await this.abort();
      throw err;
    }
    await this.handle.sync();
    const { size } = await this.handle.stat();
    await this.handle.close();
    await this.fs.rename(this.tmp, this.file);
    await fsyncDir(this.fs, path.dirname(this.file));
    return size;
  }

  async abort(): Promise<void> {
    await this.lines.drained().catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    await this.fs.rm(this.tmp, { force: true });
  }
}

/**
 * Writes a complete manifest in one go (entries must already be in path order): each item an entry, or
 * an entry's line as this program serialised it (`ManifestWriter.writeLine`). Returns its size in bytes.
 */
export async function writeManifest(
  fs: FileSystem,
  file: string,
  header: Omit<ManifestHeader, 'entries'>,
  entries: Iterable<ManifestEntry | string> | AsyncIterable<ManifestEntry | string>,
  count: number,
): Promise<number> {
  const writer = await ManifestWriter.create(fs, file, { ...header, entries: count });
  try {
    for await (const entry of entries)
      await (typeof entry === 'string' ? writer.writeLine(entry) : writer.write(entry));
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer.finish();
}

/**
 * Lines of a text file, streamed through one pooled 1 MiB buffer, or one of `bufferBytes` of its own for a
 * reader of many files at once (a line longer than the buffer grows it);
 * a last line without '\n' is yielded too. Each chunk is decoded in place and only a partial line is moved
 * to the buffer's start, so reading allocates nothing but the lines' strings.
 */
export async function* readLines(fs: FileSystem, file: string, bufferBytes?: number): AsyncGenerator<string> {
  const handle = await fs.open(file, 'r');
  let buf = bufferBytes === undefined ? takeIoBuffer() : Buffer.allocUnsafe(bufferBytes);
  try {
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        giveIoBuffer(buf);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      const end = filled + bytesRead;
      const data = buf.subarray(0, end);
      let from = 0;
      for (let nl = data.indexOf(10, filled); nl !== -1; nl = data.indexOf(10, from)) {
        yield data.toString('utf8', from, nl);
        from = nl + 1;
      }
      buf.copyWithin(0, from, end);
      filled = end - from;
    }
    if (filled > 0) yield buf.toString('utf8', 0, filled);
  } finally {
    giveIoBuffer(buf); // no read is under way: the generator stops only at a yield or after a read
    await handle.close();
  }
}

/** A manifest that does not read back as written (torn, damaged or altered): damage, exit 3. */
export class ManifestFormatError extends DamageError {
  constructor(message: string) {
    super(
      message,
      'the snapshot\'s list of files is damaged or was altered: run "avimark-backup verify", and restore from another snapshot ("avimark-backup list")',
    );
  }
}

/** The header line as a ManifestHeader; ManifestFormatError when it is not one. */
export function parseHeader(line: string | undefined, file: string): ManifestHeader {
  let header: unknown;
  try {
    header = line === undefined ? undefined : JSON.parse(line);
  } catch {
    header = undefined;
  }
  const h = header as Partial<ManifestHeader> | undefined;
  if (h?.format !== 'avimark-backup-manifest' || h.version !== 1 || typeof h.entries !== 'number') {
    throw new ManifestFormatError(`${file} is not an avimark-backup manifest (bad header line)`);
  }
  return h as ManifestHeader;
}

export async function readManifestHeader(fs: FileSystem, file: string): Promise<ManifestHeader> {
  const lines = readLines(fs, file);
  try {
    const first = await lines.next();
    return parseHeader(first.done ? undefined : first.value, file);
  } finally {
    await lines.return(undefined);
  }
}

/**
 * Streams a manifest: `header` first, then `entries`. The entry iterator throws ManifestFormatError when
 * a line does not parse, an entry's path is unsafe to join to a folder (`..`, or below a link: see
 * entry-path.ts), or the count disagrees with the header, so a torn or altered manifest never passes
 * silently, and never leads a reader outside its folders.
 */
export async function openManifest(
  fs: FileSystem,
  file: string,
): Promise<{ header: ManifestHeader; entries: AsyncIterable<ManifestEntry> }> {
  const header = await readManifestHeader(fs, file);
  async function* entries(): AsyncGenerator<ManifestEntry> {
    const links = new LinkAncestry();
    let n = -1;
    for await (const line of readLines(fs, file)) {
      n += 1;
      if (n === 0) continue;
      if (line === '') throw new ManifestFormatError(`${file}: empty line ${n + 1}`);
      let entry: ManifestEntry;
      try {
        entry = JSON.parse(line) as ManifestEntry;
      } catch {
        throw new ManifestFormatError(`${file}: line ${n + 1} is not valid JSON (torn manifest?)`);
      }
      checkEntryPath(entry, links, `${file}: line ${n + 1}`);
      shareAttributes(entry);
      yield entry;
    }
    if (n !== header.entries) {
      throw new ManifestFormatError(
        `${file}: header announces ${header.entries} entries but the file has ${Math.max(n, 0)}`,
      );
    }
  }
  return { header, entries: entries() };
}

function checkEntryPath(entry: ManifestEntry, links: LinkAncestry, where: string): void {
  const problem = entryPathProblem(entry?.path);
  if (problem !== null) throw new ManifestFormatError(`${where}: the path ${JSON.stringify(entry?.path)} ${problem}`);
  const link = links.below(entry);
  if (link !== null)
    throw new ManifestFormatError(`${where}: "${entry.path}" lies below the link "${link}", which no backup records`);
}

/**
 * Equal attributes as one shared object (`sharedAttributes`), as the engine builds them: an entry held for a
 * whole run costs no object of its own for them, and an unchanged file's entry is the previous one itself
 * (`linkedEntry` compares them by identity). An entry without valid attributes is left as it is.
 */
export function shareAttributes(entry: ManifestEntry): void {
  const a: unknown = entry.attributes;
  if (typeof a !== 'object' || a === null) return;
  const { mode, readonly } = a as Partial<FileAttributes>;
  if (typeof mode === 'number' && typeof readonly === 'boolean') entry.attributes = sharedAttributes(mode, readonly);
}

const attributeObjects = new Map<number, FileAttributes>();

/** One frozen object per distinct (mode, read-only) pair: manifests hold one per file otherwise. */
export function sharedAttributes(mode: number, readonly: boolean): FileAttributes {
  const key = mode * 2 + (readonly ? 1 : 0);
  let attributes = attributeObjects.get(key);
  if (attributes === undefined) {
    attributes = Object.freeze({ mode, readonly });
    attributeObjects.set(key, attributes);
  }
  return attributes;
}
