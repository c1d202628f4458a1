import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DestinationUnavailableError, UsageError } from '../../../src/errors';
import { checkDestinationAvailable, checkSourceAndDest, isDestinationAvailable } from '../../../src/engine/paths';
import { createFaultyFs } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import { tempDir } from '../../helpers/cli';

const fast = { retries: 2, retryMinTimeoutMs: 1, retryMaxTimeMs: 1000 };

describe('checkSourceAndDest retries', () => {
  it('retries a transient EIO on the source and destination checks', async () => {
    const { dir, cleanup } = await tempDir('avb-paths-');
    try {
      const source = path.join(dir, 'src');
      const dest = path.join(dir, 'dst');
      mkdirSync(source);
      mkdirSync(dest);
      const faulty = createFaultyFs(localFs, {
        rules: [{ code: 'EIO', path: (p) => p === source || p === dest, times: 2 }],
      });
      await expect(checkSourceAndDest(source, dest, { fs: faulty.fs, retryPolicy: fast })).resolves.toEqual({
        source,
        dest,
      });
      expect(faulty.injected.length).toBe(2);
    } finally {
      await cleanup();
    }
  });

  it('a permanent EIO still fails, naming the folder', async () => {
    const { dir, cleanup } = await tempDir('avb-paths-');
    try {
      const source = path.join(dir, 'src');
      mkdirSync(source);
      const faulty = createFaultyFs(localFs, { rules: [{ code: 'EIO', path: (p) => p === source }] });
      const err = await checkSourceAndDest(source, path.join(dir, 'dst'), { fs: faulty.fs, retryPolicy: fast }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toContain(source);
      expect(faulty.injected.length).toBe(3);
    } finally {
      await cleanup();
    }
  });
});

describe('checkDestinationAvailable', () => {
  it('accepts an existing destination or one whose parent exists; refuses one whose disk or parent is missing', async () => {
    const { dir, cleanup } = await tempDir('avb-paths-dest-');
    try {
      await checkDestinationAvailable(dir);
      await checkDestinationAvailable(path.join(dir, 'new-store'));
      const missing = path.join(dir, 'mnt', 'usb', 'AVImarkBackup');
      const err = await checkDestinationAvailable(missing).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DestinationUnavailableError);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(
        `the destination ${missing} is not available — is the backup disk connected?`,
      );
      expect(await isDestinationAvailable(missing)).toBe(false);
      expect(await isDestinationAvailable(dir)).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('a drive root that is not there (the USB disk Q:) is unavailable', async () => {
    const enoent = Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    const fs = { stat: async () => Promise.reject(enoent) } as unknown as Parameters<
      typeof checkDestinationAvailable
    >[1];
    await expect(checkDestinationAvailable('/', fs)).rejects.toBeInstanceOf(DestinationUnavailableError);
  });
});
