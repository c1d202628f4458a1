import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * AVImark-shaped table data for the guard's tests: fixed-size records of ids, padded names, dates,
 * amounts and flags, as AVImark's .V2$ tables hold (the bench generator writes incompressible filler
 * instead, which is right for copy speed but not for a compressibility test). Deterministic from a seed.
 */

const FIRST = ['BELLA', 'MAX', 'LUNA', 'CHARLIE', 'DAISY', 'ROCKY', 'MILO', 'BAILEY', 'COCO', 'SADIE'];
const LAST = ['SMITH', 'JOHNSON', 'WILLIAMS', 'BROWN', 'JONES', 'GARCIA', 'MILLER', 'DAVIS', 'WILSON'];
const SPECIES = ['CANINE', 'FELINE', 'EQUINE', 'AVIAN'];
const BREEDS = ['LABRADOR RETRIEVER', 'DOMESTIC SHORTHAIR', 'GOLDEN RETRIEVER', 'BEAGLE', 'QUARTER HORSE'];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

export function avimarkRecords(records: number, recordBytes: number, seed: number): Buffer {
  const next = lcg(seed);
  const out = Buffer.alloc(records * recordBytes, 0x20);
  for (let i = 0; i < records; i++) {
    const base = i * recordBytes;
    out.writeUInt32LE(i + 1, base);
    out.writeUInt32LE(1000 + (next() % 14000), base + 4);
    const pick = <T>(list: readonly T[]) => list[next() % list.length];
    const put = (text: string, at: number, width: number) => {
      if (at + width <= recordBytes) out.write(text.padEnd(width, ' ').slice(0, width), base + at, 'latin1');
    };
    put(pick(FIRST), 8, 24);
    put(pick(LAST), 32, 32);
    put(pick(SPECIES), 64, 12);
    put(pick(BREEDS), 76, 30);
    put(
      `20${String(10 + (next() % 15))}${String(1 + (next() % 12)).padStart(2, '0')}${String(1 + (next() % 28)).padStart(2, '0')}`,
      106,
      8,
    );
    if (base + 122 <= out.length && recordBytes >= 122) out.writeDoubleLE((next() % 10000) / 100, base + 114);
    // the rest: flags and unused space (zeros), as in real tables
    out.fill(0, base + Math.min(recordBytes, 122), base + recordBytes);
    out[base + recordBytes - 1] = next() % 2;
  }
  return out;
}

/** AES-256-CTR of `data` (same length: what a stream-cipher ransomware writes in place). */
export function encrypt(data: Buffer, key: Buffer = randomBytes(32)): Buffer {
  const cipher = createCipheriv('aes-256-ctr', key, randomBytes(16));
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export interface TreeFile {
  path: string;
  data: Buffer;
}

/** A small AVImark-like folder: tables of records, a few logs (text), and a few already-compressed documents. */
export function avimarkTree(seed: number, tables = 30): TreeFile[] {
  const files: TreeFile[] = [];
  for (let t = 0; t < tables; t++) {
    files.push({
      path: `TABLE${String(t).padStart(2, '0')}.V2$`,
      data: avimarkRecords(200 + t * 20, 256 + (t % 3) * 128, seed + t),
    });
  }
  for (let l = 0; l < 5; l++) {
    const lines = Array.from(
      { length: 400 },
      (_, i) =>
        `2025-11-${String(1 + (i % 28)).padStart(2, '0')} 08:${String(i % 60).padStart(2, '0')} USER${l} opened client ${1000 + i}\r\n`,
    );
    files.push({ path: `LOG${l}.V2$`, data: Buffer.from(lines.join(''), 'latin1') });
  }
  for (let d = 0; d < 5; d++) files.push({ path: `My Documents/Xray/2025/X${d}.jpg`, data: randomBytes(20_000) });
  return files;
}

export async function writeTree(root: string, files: readonly TreeFile[]): Promise<void> {
  for (const f of files) {
    const full = path.join(root, ...f.path.split('/'));
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, f.data);
  }
}
