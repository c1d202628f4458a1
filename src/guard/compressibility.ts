import { deflateRawSync } from 'node:zlib';
import { IO_BUFFER_BYTES, giveIoBuffer, takeIoBuffer } from '../fs/buffer-pool';
import { forEachLimited } from '../fs/limited';
import { lastExtension } from './ransom-names';

/**
 * Did changed files become incompressible? AVImark's tables are fixed-size records of text, numbers
 * and padding and deflate to a fraction of their size; encrypted data does not compress at all. For a
 * few changed files a night, a few 64 KiB blocks (start, middle, end) are read from this snapshot's
 * copy and from the previous snapshot's copy at the same offsets, deflated, and their ratios compared.
 * Cheap by construction: at most `sampleFiles` files and `sampleBytes` bytes read (both copies) per
 * night. Files whose previous copy was already incompressible (pictures, PDFs, archives) say nothing.
 */

export const BLOCK_BYTES = 64 * 1024;
/** Files sampled at once (each reads its blocks at once into one pooled buffer, then deflates them here). */
export const SAMPLE_CONCURRENCY = 4;
const BLOCKS_PER_FILE = 3;
/** Smaller files deflate too little to tell (headers dominate): not sampled. */
export const MIN_SAMPLE_FILE_BYTES = 4096;
/** compressed / original above this is "incompressible" (random data deflates to ~1.0003). */
export const INCOMPRESSIBLE_RATIO = 0.9;

/** Reads stored files (a snapshot's copy); a test passes an in-memory one. */
export interface BlockReader {
  /**
   * Up to `length` bytes at `offset` of `file` (fewer at the end of the file); read into `into` (at least
   * `length` bytes) when the reader can, so a sample allocates no buffer per block.
   */
  read(file: string, offset: number, length: number, into?: Buffer): Promise<Uint8Array>;
}

export interface SampleCandidate {
  /** Relative path in the snapshot (for the report). */
  path: string;
  /** Where this snapshot's copy is, as the reader understands it. */
  current: { file: string; size: number };
  /** The previous snapshot's copy (same path, or the name an appended extension replaced); null when new. */
  previous: { file: string; size: number } | null;
}

export interface SampledFile {
  path: string;
  /** compressed / read bytes of this snapshot's copy. */
  ratio: number;
  /** The same for the previous copy; null when there is none. */
  previousRatio: number | null;
  /** The previous copy compressed, this one does not. */
  becameIncompressible: boolean;
}

export interface CompressibilitySample {
  files: SampledFile[];
  bytesRead: number;
  /** Candidates that qualified (big enough) but were not sampled because of the limits. */
  skipped: number;
}

export interface SampleLimits {
  sampleFiles: number;
  sampleBytes: number;
}

/** Formats that are compressed already: sampled last, they rarely have a compressible baseline. */
const COMPRESSED_FORMATS = new Set(
  '.jpg .jpeg .png .gif .webp .heic .tif .tiff .pdf .zip .7z .rar .gz .bz2 .xz .cab .docx .xlsx .pptx .mp3 .mp4 .m4a .mov .avi .wmv .dcm .msi .exe .dll'.split(
    ' ',
  ),
);

/**
 * Which candidates to sample, in order: big enough, AVImark-like formats before already-compressed ones,
 * then spread evenly over the path order (so one folder does not take the whole budget). Pure.
 */
export function chooseSample(candidates: readonly SampleCandidate[], limits: SampleLimits): SampleCandidate[] {
  const eligible = candidates
    .filter((c) => c.current.size >= MIN_SAMPLE_FILE_BYTES)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const ranked = [
    ...spread(eligible.filter((c) => !COMPRESSED_FORMATS.has(lastExtension(c.path)))),
    ...spread(eligible.filter((c) => COMPRESSED_FORMATS.has(lastExtension(c.path)))),
  ];
  const chosen: SampleCandidate[] = [];
  let bytes = 0;
  for (const c of ranked) {
    if (chosen.length >= limits.sampleFiles) break;
    const cost = planBytes(c);
    if (bytes + cost > limits.sampleBytes) continue;
    chosen.push(c);
    bytes += cost;
  }
  return chosen;
}

/** Reorders so that any prefix is spread over the list: the middle, then the quarters, the eighths … */
function spread<T>(items: readonly T[]): T[] {
  const out: T[] = [];
  const taken = new Set<number>();
  // Once `parts` reaches the length, the midpoints hit every index, so the loop ends.
  for (let parts = 1; out.length < items.length; parts *= 2) {
    for (let k = 0; k < parts; k++) {
      const i = Math.floor(((2 * k + 1) * items.length) / (2 * parts));
      if (taken.has(i)) continue;
      taken.add(i);
      out.push(items[i]);
    }
  }
  return out;
}

/** Offsets of the blocks read from a file of `size` bytes: start, middle, end (fewer for small files). */
export function blockOffsets(size: number): number[] {
  if (size <= BLOCK_BYTES) return [0];
  const last = size - BLOCK_BYTES;
  const offsets = [0, Math.floor(last / 2 / BLOCK_BYTES) * BLOCK_BYTES, last].slice(0, BLOCKS_PER_FILE);
  return [...new Set(offsets)];
}

/** The previous copy is read at the same offsets (those inside it; its start when it is shorter). */
function previousOffsets(offsets: readonly number[], previousSize: number): number[] {
  const inside = offsets.filter((o) => o < previousSize);
  return inside.length > 0 ? inside : [0];
}

function bytesAt(offsets: readonly number[], size: number): number {
  return offsets.reduce((sum, o) => sum + Math.max(0, Math.min(BLOCK_BYTES, size - o)), 0);
}

function planBytes(c: SampleCandidate): number {
  const offsets = blockOffsets(c.current.size);
  const previous = c.previous && c.previous.size > 0 ? c.previous.size : 0;
  return bytesAt(offsets, c.current.size) + (previous > 0 ? bytesAt(previousOffsets(offsets, previous), previous) : 0);
}

/**
 * compressed / original of `data` (deflate, level 6); 0 for no data. Deflated on this thread, one block at a
 * time: each deflate allocates a zlib state of ~256 KiB (and its output), and the two dozen a sample used
 * to run at once in the thread pool left glibc's heap ~20 MiB larger for the rest of the run; one at a time
 * reuses the same memory. The reads still run in the thread pool beside it.
 */
export function compressionRatio(data: Uint8Array): number {
  if (data.length === 0) return 0;
  return deflateRawSync(data, { level: 6 }).length / data.length;
}

/** Samples the chosen candidates (see chooseSample) through `reader`. */
export async function sampleCompressibility(
  candidates: readonly SampleCandidate[],
  reader: BlockReader,
  limits: SampleLimits,
): Promise<CompressibilitySample> {
  const chosen = chooseSample(candidates, limits);
  const eligible = candidates.filter((c) => c.current.size >= MIN_SAMPLE_FILE_BYTES).length;
  // Files sampled a few at once: their blocks are read in the thread pool while this thread deflates the
  // blocks already read; one file after another left this thread idle for most of the commit's guard.
  const sampled: { file: SampledFile; bytes: number }[] = new Array(chosen.length);
  await forEachLimited(chosen.keys(), SAMPLE_CONCURRENCY, async (i) => {
    sampled[i] = await sampleOne(reader, chosen[i]);
  });
  const files = sampled.map((s) => s.file);
  const bytesRead = sampled.reduce((sum, s) => sum + s.bytes, 0);
  return { files, bytesRead, skipped: eligible - chosen.length };
}

/** This copy's ratio and the previous copy's (at the same offsets, where it is long enough). */
async function sampleOne(reader: BlockReader, c: SampleCandidate): Promise<{ file: SampledFile; bytes: number }> {
  const offsets = blockOffsets(c.current.size);
  const before = c.previous;
  const [current, previous] = await Promise.all([
    fileRatio(reader, c.current.file, c.current.size, offsets),
    before && before.size > 0
      ? fileRatio(reader, before.file, before.size, previousOffsets(offsets, before.size))
      : Promise.resolve(null),
  ]);
  const previousRatio = previous && previous.bytes > 0 ? previous.ratio : null;
  const file: SampledFile = {
    path: c.path,
    ratio: current.ratio,
    previousRatio,
    becameIncompressible:
      current.ratio > INCOMPRESSIBLE_RATIO && previousRatio !== null && previousRatio <= INCOMPRESSIBLE_RATIO,
  };
  return { file, bytes: current.bytes + (previous?.bytes ?? 0) };
}

async function fileRatio(
  reader: BlockReader,
  file: string,
  size: number,
  offsets: readonly number[],
): Promise<{ ratio: number; bytes: number }> {
  // The blocks are read at once into one pooled buffer, then deflated one after another (compressionRatio):
  // nothing is allocated per block but deflate's output.
  const buf = takeIoBuffer();
  try {
    // Every read settles before the buffer can go back to the pool, even when one of them fails.
    const reads = await Promise.allSettled(
      offsets.map((offset, i) =>
        reader.read(
          file,
          offset,
          Math.min(BLOCK_BYTES, size - offset),
          buf.subarray(i * BLOCK_BYTES, (i + 1) * BLOCK_BYTES),
        ),
      ),
    );
    const blocks = reads.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
    let raw = 0;
    let compressed = 0;
    for (const block of blocks) {
      raw += block.length;
      compressed += compressionRatio(block) * block.length;
    }
    return { ratio: raw === 0 ? 0 : compressed / raw, bytes: raw };
  } finally {
    giveIoBuffer(buf);
  }
}

// A file's blocks share one pooled buffer (fileRatio).
if (BLOCKS_PER_FILE * BLOCK_BYTES > IO_BUFFER_BYTES)
  throw new Error('the sample blocks of a file exceed one I/O buffer');
