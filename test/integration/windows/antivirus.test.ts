/**
 * Issue 13 §7: an antivirus scanner holds a freshly written file for a moment, so replacing the
 * lockout journal with its temporary file fails once with EPERM/EBUSY (Win32 ACCESS_DENIED /
 * SHARING_VIOLATION, libuv's mapping). Node-side fault injection: src/fs/faulty.ts (createFaultyFs).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultyFs } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import { HostError } from '../../../src/host/types';
import { newJournal, readJournal, writeJournal } from '../../../src/lockout/journal';
import { tempDir } from '../../helpers/cli';
import { createSimulatedServer } from '../../helpers/sim';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('fault injection: a scanner holding the fresh journal file', () => {
  it('the faulty fs fails the journal rename exactly once with EPERM (the switch works)', async () => {
    const t = await tempDir('avb-av-');
    cleanup = t.cleanup;
    const faulty = createFaultyFs(localFs, {
      rules: [{ code: 'EPERM', ops: ['rename'], path: 'lockout-journal', times: 1 }],
    });
    const journal = newJournal('backup', '/srv/AVImark');
    // The switch, seen directly on the faulty fs (writeJournal itself now retries: see the product test below).
    const tmp = path.join(t.dir, 'lockout-journal.json.x');
    await writeFile(tmp, '{}');
    const target = path.join(t.dir, 'lockout-journal.json');
    await expect(faulty.fs.rename(tmp, target)).rejects.toMatchObject({ code: 'EPERM' });
    await writeJournal(t.dir, journal, faulty.fs);
    expect(faulty.injected).toHaveLength(1);
    expect((await readJournal(t.dir))?.owner).toEqual(journal.owner);
  });

  for (const code of ['EPERM', 'EBUSY']) {
    // issue 13 §7: writeFileAtomic (src/fs/durable.ts) retries a transient EPERM/EBUSY on rename (as the snapshot commit rename does)
    it(`replacing the journal survives one ${code} while the scanner holds the temporary file`, async () => {
      const t = await tempDir('avb-av-');
      cleanup = t.cleanup;
      const faulty = createFaultyFs(localFs, { rules: [{ code, ops: ['rename'], path: 'lockout-journal', times: 1 }] });
      const journal = newJournal('backup', '/srv/AVImark');
      await writeJournal(t.dir, journal, faulty.fs);
      expect((await readJournal(t.dir))?.owner).toEqual(journal.owner);
    });
  }
});

describe('naming what holds a file: the Restart Manager through the real PowerShell bridge', {
  timeout: 180_000,
}, () => {
  it('the C# of the Restart Manager call compiles; where rstrtmgr.dll does not exist (here) the host says it cannot tell', async () => {
    const server = await createSimulatedServer();
    const host = server.createHost({ callTimeoutSeconds: 120 });
    try {
      const folder = path.join(server.volumeRoot, 'AVImark');
      await mkdir(path.join(folder, 'sub'), { recursive: true });
      expect(await host.listFileLockers(folder)).toEqual([]); // no file: nothing to ask
      await writeFile(path.join(folder, 'sub', 'CLIENT.V2$'), 'x');
      // Add-Type compiled the type (a C# error would say "Cannot add type") and GetLockers was called; only
      // loading rstrtmgr.dll fails (on Linux .NET even fails to look for it from an in-memory assembly).
      const err = await host.listFileLockers(folder).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostError);
      expect((err as Error).message).toMatch(/Exception calling "GetLockers"/);
      expect((err as Error).message).not.toMatch(/Cannot add type|compilation|error CS/i);
      await expect(host.listFileLockers(path.join(folder, 'missing'))).rejects.toThrow(/the folder does not exist/);
    } finally {
      await host.dispose();
      await server.cleanup();
    }
  });
});
