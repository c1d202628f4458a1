import type { FileSystem } from '../fs/types';
import type { BlockReader } from './compressibility';

/** A BlockReader over a real file system (the store's): opens, reads one block (into `into` when given), closes. */
export function fileBlockReader(fs: Pick<FileSystem, 'open'>): BlockReader {
  return {
    async read(file: string, offset: number, length: number, into?: Buffer): Promise<Uint8Array> {
      if (into !== undefined && into.length < length)
        throw new RangeError(`block of ${length} bytes read into ${into.length}`);
      const handle = await fs.open(file, 'r');
      try {
        const buffer = into ?? Buffer.alloc(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buffer.subarray(0, done);
      } finally {
        await handle.close();
      }
    },
  };
}
