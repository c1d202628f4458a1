import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, ContentSource, holdsRecords } from '../../../../bench/dataset/content';

const ratio = (b: Buffer): number => deflateRawSync(b).length / b.length;

describe('ContentSource', () => {
  it("names AVImark's tables, logs and database (and a night's writes into them) as records, nothing else", () => {
    for (const label of ['CLIENT.V2$', 'LOG012WP.V2$', 'AVImark.db$', 'LOG012.V2$@night1+', 'TREAT.v2$@night2#3'])
      expect(holdsRecords(label), label).toBe(true);
    for (const label of ['My Documents/Letters/2024/01/a.doc', 'Images/x.jpg', 'AVImark.exe', 'AVImark.db$-lock'])
      expect(holdsRecords(label), label).toBe(false);
  });

  it('gives records that deflate to well under half their size and other content that does not deflate', () => {
    const source = new ContentSource(7);
    const table = Buffer.from(source.chunk('CLIENT.V2$', 2, CHUNK_BYTES));
    // The ransomware guard deflates 64 KiB blocks: one of them, anywhere, compresses as a table does.
    expect(ratio(table)).toBeLessThan(0.3);
    expect(ratio(table.subarray(12_345, 12_345 + 65_536))).toBeLessThan(0.3);
    expect(ratio(Buffer.from(source.chunk('TREAT.V2$@night1#0', 0, 4096)))).toBeLessThan(0.5);
    expect(ratio(Buffer.from(source.chunk('My Documents/Images/2024/01/x.jpg', 0, CHUNK_BYTES)))).toBeGreaterThan(0.99);
  });

  it('gives each chunk of each stream its own bytes, the same for the same seed', () => {
    const a = new ContentSource(7);
    const first = Buffer.from(a.chunk('CLIENT.V2$', 0, 65_536));
    expect(Buffer.from(a.chunk('CLIENT.V2$', 1, 65_536)).equals(first)).toBe(false);
    expect(Buffer.from(a.chunk('ANIMAL.V2$', 0, 65_536)).equals(first)).toBe(false);
    expect(Buffer.from(new ContentSource(8).chunk('CLIENT.V2$', 0, 65_536)).equals(first)).toBe(false);
    expect(Buffer.from(new ContentSource(7).chunk('CLIENT.V2$', 0, 65_536)).equals(first)).toBe(true);
  });
});
