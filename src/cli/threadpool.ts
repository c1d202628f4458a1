/**
 * Imported first by the CLI entry, before anything can start libuv's thread pool (it reads the size
 * once, at its first use). Node's default of 4 threads is shared by every file read, write, stat and
 * fsync: a batch of fsyncs on a slow disk would leave the copies waiting. An administrator's own
 * UV_THREADPOOL_SIZE wins.
 */
export const THREADPOOL_SIZE = 16;

process.env.UV_THREADPOOL_SIZE ??= String(THREADPOOL_SIZE);
