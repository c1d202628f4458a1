import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineUnavailable, timingShadowCopies } from '../../../bench/offline';
import { createMemoryHost } from '../../../src/host/memory';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('offline-window helpers', () => {
  it('times createShadowCopy and passes every other call through unchanged', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'avb-bench-off-'));
    const root = `${path.join(dir, 'vol')}/`;
    await mkdir(path.join(root, 'AVImark'), { recursive: true });
    await writeFile(path.join(root, 'AVImark', 'CLIENT.V2$'), 'clients');
    const host = createMemoryHost({ volumes: [{ root, fileSystem: 'NTFS', shadowDir: path.join(dir, 'shadows') }] });
    const timings: number[] = [];
    const timed = timingShadowCopies(host, (s) => timings.push(s));

    expect(await timed.pathExists(path.join(root, 'AVImark', 'CLIENT.V2$'))).toBe(true);
    expect(timings).toEqual([]);
    const shadow = await timed.createShadowCopy(root);
    expect(shadow.volume).toBe(root);
    expect(timings).toHaveLength(1);
    expect(timings[0]).toBeGreaterThan(0);
    await timed.deleteShadowCopy(shadow.id);
    expect(timings).toHaveLength(1);
  });

  it('finds the simulator and PowerShell from the repository', () => {
    expect(offlineUnavailable()).toBeNull();
  });
});
