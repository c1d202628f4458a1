import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { dropOutputWhenReaderGone } from '../../../src/cli/closed-output';

const failure = (code: string): Error => Object.assign(new Error(`write ${code}`), { code });

describe('dropOutputWhenReaderGone', () => {
  it('drops output once the reader has gone (EPIPE and the errors of writes after it)', () => {
    const stream = new EventEmitter();
    dropOutputWhenReaderGone(stream);
    for (const code of ['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']) {
      expect(() => stream.emit('error', failure(code))).not.toThrow();
    }
  });

  it('still throws any other error of the stream', () => {
    const stream = new EventEmitter();
    dropOutputWhenReaderGone(stream);
    expect(() => stream.emit('error', failure('EIO'))).toThrow('write EIO');
  });

  it('an unguarded stream crashes on the same error (what the guard prevents)', () => {
    expect(() => new EventEmitter().emit('error', failure('EPIPE'))).toThrow('write EPIPE');
  });
});
