/**
 * BUG 6 reproduction, run as its own process (an unhandled rejection kills it, which vitest could not
 * contain): a source read that fails while the previous chunk is still being written. Prints
 * "outcome: <message>" when runBackup settles; a crash means the rejection was never handled.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { engineSchema } from '../../../src/config/schema';
import { runBackup } from '../../../src/engine/backup';
import { errnoError } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { silentLogger } from '../../../src/log/logger';

function withHandle(open: FileSystem['open'], wrap: (p: string, h: FileHandle) => FileHandle): FileSystem['open'] {
  return (async (p: string, ...rest: unknown[]) =>
    wrap(p, await (open as (...a: unknown[]) => Promise<FileHandle>)(p, ...rest))) as FileSystem['open'];
}

function proxy(
  h: FileHandle,
  name: 'read' | 'write',
  replacement: (target: FileHandle, args: unknown[]) => unknown,
): FileHandle {
  return new Proxy(h, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop !== name) return value.bind(target);
      return (...args: unknown[]) => replacement(target, args);
    },
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'avb-torture-repro-'));
  try {
    const source = path.join(dir, 'AVImark');
    mkdirSync(source);
    writeFileSync(path.join(source, 'BIG.V2$'), Buffer.alloc(3 << 20, 7));
    let failed = false;
    // The second read (at 1 MiB) fails at once: a sharing/lock violation (EBUSY), as on Windows.
    const sourceFs: FileSystem = {
      ...localFs,
      open: withHandle(localFs.open, (p, h) =>
        proxy(h, 'read', (t, args) => {
          if (!failed && Number(args[3]) > 0) {
            failed = true;
            return Promise.reject(errnoError('EBUSY', 'read', p));
          }
          return (t.read as (...a: unknown[]) => unknown)(...args);
        }),
      ),
    };
    // Writes to the destination take a little while (a slow disk), so the failed read is not awaited yet.
    const destFs: FileSystem = {
      ...localFs,
      open: withHandle(localFs.open, (_p, h) =>
        proxy(h, 'write', async (t, args) => {
          await new Promise((r) => setTimeout(r, 50));
          return (t.write as (...a: unknown[]) => unknown)(...args);
        }),
      ),
    };
    const engine = { ...engineSchema.parse({}), retryMinTimeoutMs: 1 };
    const r = await runBackup({
      source,
      dest: path.join(dir, 'backup'),
      engine,
      log: silentLogger(),
      sourceFs,
      destFs,
    }).then(
      (o) => `committed ${o.record.snapshotId}`,
      (e: unknown) => `failed: ${(e as Error).message}`,
    );
    process.stdout.write(`outcome: ${r}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
