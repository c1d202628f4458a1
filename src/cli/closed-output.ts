/**
 * Output to a reader that went away (`avimark-backup verify --help | head -5`, a log viewer closed mid-run):
 * the write fails with EPIPE, and a stream with no 'error' listener crashes the process with a stack trace.
 * Output nobody reads is dropped instead; the run itself goes on (it may hold AVImark locked out, and must
 * still give it back) and exits with its own code. Any other error on the stream is thrown as before.
 */

interface ErrorEmitter {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Errors that mean "the reader has gone": the pipe's far end closed, or the stream was torn down after it. */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export function dropOutputWhenReaderGone(stream: ErrorEmitter): void {
  stream.on('error', (err: Error) => {
    if (READER_GONE.has((err as NodeJS.ErrnoException).code ?? '')) return;
    throw err;
  });
}
