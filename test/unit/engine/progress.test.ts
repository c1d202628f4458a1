import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgressReporter } from '../../../src/cli/progress';
import type { BackupProgress } from '../../../src/engine/backup';

const p = (over: Partial<BackupProgress>): BackupProgress => ({
  phase: 'sync',
  filesSeen: 10,
  bytesSeen: 10 << 20,
  filesDone: 0,
  bytesDone: 0,
  filesCopied: 0,
  filesLinked: 0,
  bytesCopied: 0,
  scanFinished: true,
  currentFile: null,
  ...over,
});

function fakeStream(tty: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY: tty, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream };
}

afterEach(() => vi.useRealTimers());

describe('progress reporter', () => {
  it('prints a plain line every few seconds when not on a terminal', () => {
    vi.useFakeTimers();
    const { out, stream } = fakeStream(false);
    const r = createProgressReporter({ json: false, stream });
    r.onProgress(p({}));
    vi.advanceTimersByTime(1000);
    r.onProgress(p({ filesDone: 1 }));
    expect(out).toEqual([]);
    vi.advanceTimersByTime(5000);
    r.onProgress(p({ filesDone: 5, bytesDone: 5 << 20, bytesCopied: 5 << 20 }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^progress: 5\/10 files, 5\.0 MiB of 10\.0 MiB, .*\/s copying, ETA \d+s\n$/);
    r.stop();
  });

  it('prints nothing under --json', () => {
    vi.useFakeTimers();
    const { out, stream } = fakeStream(false);
    const r = createProgressReporter({ json: true, stream });
    for (let i = 0; i < 5; i += 1) {
      r.onProgress(p({ filesDone: i }));
      vi.advanceTimersByTime(6000);
    }
    r.stop();
    expect(out).toEqual([]);
  });
});
