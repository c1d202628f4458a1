import { localFs } from '../../src/fs/local';
import type { FileSystem } from '../../src/fs/types';

/** `base` with a count of the files it holds open (opened, not yet closed): for tests that a reader closes. */
export function countingOpens(base: FileSystem = localFs): { fs: FileSystem; openFiles: () => number } {
  let open = 0;
  const fs: FileSystem = {
    ...base,
    open: (async (...args: Parameters<FileSystem['open']>) => {
      const handle = await base.open(...args);
      open += 1;
      const close = handle.close.bind(handle);
      return Object.assign(handle, { close: async () => ((open -= 1), close()) });
    }) as FileSystem['open'],
  };
  return { fs, openFiles: () => open };
}
