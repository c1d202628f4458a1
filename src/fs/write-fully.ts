import type { FileHandle } from 'node:fs/promises';

/**
 * Writes all of `data`: write(2) may return a short count without an error (a nearly full disk, a
 * network share), so keep writing the rest until every byte is down. With `position`, writes there
 * (and onwards); without it, at the file's current position (append mode appends).
 */
export async function writeFully(
  handle: Pick<FileHandle, 'write'>,
  data: string | Uint8Array,
  position?: number,
): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < buf.length) {
    const at = position === undefined ? null : position + offset;
    const { bytesWritten } = await handle.write(buf, offset, buf.length - offset, at);
    if (bytesWritten <= 0) throw new Error(`write made no progress (${offset} of ${buf.length} bytes written)`);
    offset += bytesWritten;
  }
}
