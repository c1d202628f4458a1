import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  backupEta,
  createProgressReporter,
  endProgressLines,
  etaSeconds,
  formatEta,
  resticProgress,
  taskProgress,
} from '../../../src/cli/progress';
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

describe('ETA', () => {
  it('is the units left over the rate so far', () => {
    expect(etaSeconds(50, 150, 10)).toBe(30);
    expect(etaSeconds(1 << 20, 9 << 20, 2)).toBe(18);
    expect(etaSeconds(10, 0, 5)).toBe(0);
  });

  it('is unknown before anything is done or any time has passed', () => {
    expect(etaSeconds(0, 100, 10)).toBeNull();
    expect(etaSeconds(10, 100, 0)).toBeNull();
  });

  it.each([
    [null, '?'],
    [0, '0s'],
    [45, '45s'],
    [185, '3m05s'],
    [7620, '2h07m'],
  ])('%s s reads %s', (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });

  it("backup: bytes still to go over the copy rate; 'scanning' while files are still being found", () => {
    expect(backupEta(p({ bytesDone: 4 << 20, bytesCopied: 2 << 20 }), 2)).toBe('6s');
    expect(backupEta(p({ scanFinished: false, bytesCopied: 1 }), 2)).toBe('scanning');
  });
});

describe('progress reporter', () => {
  it('prints nothing when not on a terminal (the nightly task, a pipe, the PowerShell module)', async () => {
    vi.useFakeTimers();
    const { out, stream } = fakeStream(false);
    const r = await createProgressReporter({ json: false, stream });
    for (let i = 0; i < 5; i += 1) {
      r.onProgress(p({ filesDone: i, bytesDone: i << 20, bytesCopied: i << 20 }));
      vi.advanceTimersByTime(6000);
    }
    r.stop();
    expect(out).toEqual([]);
  });

  it('prints nothing under --json, even on a terminal', async () => {
    vi.useFakeTimers();
    const { out, stream } = fakeStream(true);
    const r = await createProgressReporter({ json: true, stream });
    for (let i = 0; i < 5; i += 1) {
      r.onProgress(p({ filesDone: i }));
      vi.advanceTimersByTime(6000);
    }
    r.stop();
    expect(out).toEqual([]);
  });
});

describe('progress bar on a terminal', () => {
  it('draws files, bytes and the ETA (cli-progress, loaded only for a terminal)', async () => {
    const out: string[] = [];
    const stream = {
      isTTY: true,
      columns: 200,
      write: (s: string) => out.push(s),
      cursorTo: () => true,
      clearLine: () => true,
      clearScreenDown: () => true,
      moveCursor: () => true,
      on: () => undefined,
      removeListener: () => undefined,
    } as unknown as NodeJS.WriteStream;
    const r = await createProgressReporter({ json: false, stream });
    r.onProgress(p({ filesDone: 3, bytesDone: 5 << 20, bytesCopied: 5 << 20 }));
    r.stop();
    const text = out.join('');
    expect(text).toContain('50%');
    expect(text).toContain('3/10 files');
  });
});

describe('task progress (verify, restore, offsite push)', () => {
  it('on a terminal: one line rewritten in place with rate, percentage and ETA, ended before the result', () => {
    let t = 0;
    const { out, stream } = fakeStream(true);
    const tick = taskProgress('restoring X', {
      json: false,
      totalBytes: 8 << 20,
      intervalMs: 1000,
      stream,
      now: () => t,
    });
    t = 2000;
    tick({ files: 3, bytes: 2 << 20 });
    t = 2500;
    tick({ files: 4, bytes: 3 << 20 }); // within the interval: not drawn
    expect(out).toEqual(['\rrestoring X: 3 files, 2.0 MiB of 8.0 MiB (25%), 1.0 MiB/s, ETA 6s\x1b[K']);
    endProgressLines();
    expect(out.at(-1)).toBe('\n');
    endProgressLines();
    expect(out).toHaveLength(2);
  });

  it('nothing when not on a terminal, and nothing under --json', () => {
    const plain = fakeStream(false);
    const tty = fakeStream(true);
    const a = taskProgress('x', { json: false, intervalMs: 0, stream: plain.stream });
    const b = taskProgress('x', { json: true, intervalMs: 0, stream: tty.stream });
    for (let i = 1; i < 4; i += 1) {
      a({ files: i, bytes: i });
      b({ files: i, bytes: i });
    }
    endProgressLines();
    expect(plain.out).toEqual([]);
    expect(tty.out).toEqual([]);
  });

  it("takes a total given with an update, and the task's own estimate of the time left over the rate", () => {
    let t = 0;
    const { out, stream } = fakeStream(true);
    const tick = taskProgress('offsite push X', { json: false, intervalMs: 0, stream, now: () => t });
    t = 1000;
    tick({ files: 1, bytes: 1 << 20 }); // no total yet: no percentage, no ETA
    t = 2000;
    tick({ files: 2, bytes: 2 << 20, totalBytes: 8 << 20 });
    t = 3000;
    tick({ files: 3, bytes: 3 << 20, totalBytes: 8 << 20, secondsLeft: 125 });
    expect(out).toEqual([
      '\roffsite push X: 1 files, 1.0 MiB, 1.0 MiB/s\x1b[K',
      '\roffsite push X: 2 files, 2.0 MiB of 8.0 MiB (25%), 1.0 MiB/s, ETA 6s\x1b[K',
      '\roffsite push X: 3 files, 3.0 MiB of 8.0 MiB (37%), 1.0 MiB/s, ETA 2m05s\x1b[K',
    ]);
    endProgressLines();
  });
});

describe("restic's status as progress (offsite push)", () => {
  const status = {
    percentDone: 0.25,
    secondsElapsed: 4,
    totalFiles: 10,
    filesDone: 3,
    totalBytes: 4096,
    bytesDone: 1024,
    errorCount: 0,
  };

  it("gives restic's total and its estimate of the time left", () => {
    expect(resticProgress({ ...status, secondsRemaining: 12 })).toEqual({
      files: 3,
      bytes: 1024,
      totalBytes: 4096,
      secondsLeft: 12,
    });
  });

  it('has no total while restic has not counted any (still scanning) and no estimate when it gives none', () => {
    expect(resticProgress({ ...status, totalBytes: 0, secondsRemaining: null })).toEqual({
      files: 3,
      bytes: 1024,
      totalBytes: null,
      secondsLeft: null,
    });
  });
});
