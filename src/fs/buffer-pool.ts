/**
 * The 1 MiB buffers of every streamed read and write (copies, hashes, manifests, lists), taken and given
 * back instead of allocated per file or per read. Allocating them afresh also costs memory that stays:
 * once glibc has freed one mmapped 1 MiB block it serves the next ones from its main heap, which it
 * rarely gives back to the system (listing a store of 57 snapshots left 36 MB there for the whole run).
 */
export const IO_BUFFER_BYTES = 1 << 20;

/** Free buffers kept for the next taker (at most this many; copies use two each). */
const MAX_FREE = 16;
const free: Buffer[] = [];

export function takeIoBuffer(): Buffer {
  return free.pop() ?? Buffer.allocUnsafe(IO_BUFFER_BYTES);
}

/**
 * Gives `buf` back for reuse, once nothing reads into it or writes from it any more (a buffer of another
 * size, grown by its user, is left to the collector).
 */
export function giveIoBuffer(buf: Buffer): void {
  if (buf.length === IO_BUFFER_BYTES && buf.byteOffset === 0 && free.length < MAX_FREE && !free.includes(buf))
    free.push(buf);
}
