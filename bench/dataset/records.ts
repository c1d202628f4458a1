import type { Random } from './random';

/** Bytes per record of the record-like block (a multiple of 4, so a chunk's 32-bit key keeps its repeats). */
export const RECORD_BYTES = 256;

const SURNAMES = [
  'SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ HERNANDEZ LOPEZ GONZALEZ',
  'WILSON ANDERSON THOMAS TAYLOR MOORE JACKSON MARTIN LEE PEREZ THOMPSON WHITE HARRIS SANCHEZ CLARK',
  'RAMIREZ LEWIS ROBINSON',
]
  .join(' ')
  .split(' ');
const GIVEN = 'MARY JAMES LINDA ROBERT SUSAN DAVID KAREN JOSEPH NANCY PAUL LISA'.split(' ');
const WORDS = [
  'RABIES DHPP BORDETELLA EXAM WELLNESS DENTAL SPAY NEUTER CANINE FELINE VACCINE HEARTWORM TEST FECAL',
  'PANEL CBC CHEM XRAY RECHECK BOARDING GROOMING NAIL TRIM MICROCHIP FLEA TICK PREVENTIVE TABLET',
  'INJECTION MG ML ONCE DAILY TWICE WITH FOOD LABRADOR RETRIEVER DOMESTIC SHORTHAIR',
]
  .join(' ')
  .split(' ');

/**
 * A block of fixed-size records shaped like an AVImark table's (INFERRED: the format is proprietary): a
 * record number, small binary amounts, space-padded upper-case names and treatment words, an ASCII date,
 * flags, and a memo area mostly empty. Deflate takes it to about a seventh of its size (0.14), as tables
 * of text and numbers compress; the documents (pictures, PDFs) stay incompressible.
 */
export function recordBlock(rng: Random, bytes: number): Uint32Array {
  const buf = Buffer.alloc(bytes);
  for (let at = 0, n = 1; at + RECORD_BYTES <= bytes; at += RECORD_BYTES, n++) {
    const rec = buf.subarray(at, at + RECORD_BYTES);
    rec.fill(0x20, 8, 112);
    rec.writeUInt32LE(n, 0);
    rec.writeUInt32LE(rng.int(0, 99_999), 4);
    rec.write(`${rng.pick(SURNAMES)}, ${rng.pick(GIVEN)}`, 8, 32, 'latin1');
    rec.write(words(rng, rng.int(1, 4)), 40, 48, 'latin1');
    const date = `${rng.int(2015, 2026)}${pad2(rng.int(1, 12))}${pad2(rng.int(1, 28))}`;
    rec.write(date, 88, 8, 'latin1');
    rec.writeDoubleLE(rng.int(0, 50_000) / 100, 96);
    if (rng.chance(0.2)) rec.writeUInt32LE(rng.uint32() & 0xff, 104);
    if (rng.chance(0.3)) rec.write(words(rng, rng.int(3, 12)), 112, RECORD_BYTES - 112, 'latin1');
  }
  return new Uint32Array(buf.buffer, buf.byteOffset, bytes / 4);
}

function words(rng: Random, count: number): string {
  return Array.from({ length: count }, () => rng.pick(WORDS)).join(' ');
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
