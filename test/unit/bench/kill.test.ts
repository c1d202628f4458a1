import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { countedRun, engineBytesCopied } from '../../../bench/kill';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const KiB64 = 64 * 1024;
const MiB = 1024 * 1024;

describe('countedRun (bytes written, counted by the kernel)', () => {
  it('counts what a process and the children it reaps wrote', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'avb-kill-'));
    const cli = {
      file: 'dd',
      prefix: ['if=/dev/zero', `of=${path.join(dir, 'out')}`, 'bs=1M', 'count=8', 'status=none'],
    };
    const run = await countedRun(cli, [], null);
    expect(run).toMatchObject({ killed: false, code: 0 });
    expect(run.wchar).toBeGreaterThanOrEqual(8 * MiB);
    expect(run.wchar).toBeLessThan(8 * MiB + 4096);
  });

  it('kills the process once it has written the given amount, and still counts exactly what it wrote', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'avb-kill-'));
    // 200 writes of 64 KiB, 10 ms apart (12.5 MiB in about 2 s), from a child the shell reaps.
    const slow = 'for i in $(seq 1 200); do head -c 65536 /dev/zero; sleep 0.01; done > "$0"';
    const run = await countedRun({ file: 'sh', prefix: ['-c', slow, path.join(dir, 'out')] }, [], MiB);
    expect(run.killed).toBe(true);
    expect(run.code).toBe(137);
    expect(run.wchar).toBeGreaterThanOrEqual(MiB);
    expect(run.wchar).toBeLessThan(200 * KiB64);
  });
});

describe('engineBytesCopied', () => {
  it('reads bytesCopied from the engine’s pretty-printed --json summary, and nothing from other output', () => {
    const summary = JSON.stringify({ snapshotId: 'x', bytesTotal: 10, bytesCopied: 7, resumed: true }, null, 2);
    expect(engineBytesCopied(`${summary}\n`)).toBe(7);
    expect(engineBytesCopied('')).toBeNull();
    expect(engineBytesCopied('{"bytesCopied": "7"}')).toBeNull();
    expect(engineBytesCopied('Snapshot x is complete.')).toBeNull();
  });
});
