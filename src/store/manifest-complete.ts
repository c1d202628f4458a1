import type { FileSystem } from '../fs/types';
import { giveIoBuffer, takeIoBuffer } from '../fs/buffer-pool';
import { parseHeader, readManifestHeader } from './manifest';
import type { ManifestHeader } from './types';

/** How far into a manifest its header line is looked for by the size proof (a header is a few hundred bytes). */
const HEAD_BYTES = 64 * 1024;

/**
 * True when the manifest is complete: it starts with a manifest header and ends with a newline, and either
 * its size is the one its commit recorded (`recordedBytes`, the run record's `manifestBytes`: a few bytes
 * read whatever its size) or, when there is no such record or the sizes differ, it has exactly the announced
 * number of entry lines (every byte read, newlines counted without parsing entries). A nightly run lists the
 * store several times, and a store of a year of 1,000,000-file snapshots holds hundreds of GB of manifests:
 * counting them all at every start was the cost the recorded size removes. Neither proof parses entries; a
 * line damaged in place is found by whoever reads it (ManifestFormatError) and by verify.
 */
export async function isManifestComplete(
  fs: FileSystem,
  file: string,
  recordedBytes: () => Promise<number | null> = async () => null,
): Promise<boolean> {
  // Manifests never change once written, so a result is reused while the file's identity is unchanged.
  let key: string;
  let size: number;
  try {
    const st = await fs.stat(file, { bigint: true });
    key = `${file}\0${st.ino}\0${st.size}\0${st.mtimeNs}`;
    size = Number(st.size);
  } catch {
    return false;
  }
  const cached = completeCache.get(key);
  if (cached !== undefined) return cached;
  const result = (await matchesRecordedSize(fs, file, size, recordedBytes)) || (await countManifest(fs, file));
  if (completeCache.size > 10_000) completeCache.clear();
  completeCache.set(key, result);
  return result;
}

const completeCache = new Map<string, boolean>();

/** The size proof: the recorded size, a header line within the first 64 KiB, a newline as the last byte. */
async function matchesRecordedSize(
  fs: FileSystem,
  file: string,
  size: number,
  recordedBytes: () => Promise<number | null>,
): Promise<boolean> {
  if (size === 0 || (await recordedBytes()) !== size) return false;
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.allocUnsafe(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const newline = head.subarray(0, bytesRead).indexOf(10);
    if (newline === -1) return false;
    try {
      parseHeader(head.toString('utf8', 0, newline), file);
    } catch {
      return false;
    }
    const last = Buffer.alloc(1);
    const tail = await handle.read(last, 0, 1, size - 1);
    return tail.bytesRead === 1 && last[0] === 10;
  } finally {
    await handle.close();
  }
}

/** The count proof: the header's number of entries plus one newlines, the last byte one of them. */
async function countManifest(fs: FileSystem, file: string): Promise<boolean> {
  let header: ManifestHeader;
  try {
    header = await readManifestHeader(fs, file);
  } catch {
    return false;
  }
  const handle = await fs.open(file, 'r');
  const buf = takeIoBuffer();
  try {
    let newlines = 0;
    let last = 10;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const data = buf.subarray(0, bytesRead);
      for (let i = data.indexOf(10, 0); i !== -1; i = data.indexOf(10, i + 1)) newlines += 1;
      last = data[bytesRead - 1];
    }
    return last === 10 && newlines === header.entries + 1;
  } finally {
    giveIoBuffer(buf);
    await handle.close();
  }
}
