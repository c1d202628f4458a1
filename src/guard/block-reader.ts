import type { FileSystem } from '../fs/types';
import type { BlockReader } from './compressibility';

/** A BlockReader over a real file system (the store's): opens, reads one block, closes. */
export function fileBlockReader(fs: Pick<FileSystem, 'open'>): BlockReader {
  return {
    async read(file: string, offset: number, length: number): Promise<Uint8Array> {
      const handle = await fs.open(file, 'r');
      try {
        const buffer = Buffer.alloc(length);
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
