import type { FileHandle } from 'node:fs/promises';
import type { FileSystem } from '../../src/fs/types';
import { SYNC_IO, type SyncIo, syncIo } from '../../src/fs/sync-io';

/** What a test does around one kind of call on an open file. */
export interface HandleHook {
  /** Runs first; may return other arguments for the call (a shorter write, say). */
  before?: (args: unknown[]) => unknown[] | undefined;
  /** Runs once the call has completed. */
  after?: (args: unknown[]) => void;
}

/**
 * `handle` with `hook` around its method `name` and around the same synchronous call (src/fs/sync-io.ts, which
 * small files' copies make instead), so a test double sees a call whichever way the engine makes it.
 */
export function hookHandle(handle: FileHandle, name: 'read' | 'write' | 'stat', hook: HandleHook): FileHandle {
  const around = <T>(args: unknown[], call: (a: unknown[]) => T): [unknown[], T] => {
    const a = hook.before?.(args) ?? args;
    return [a, call(a)];
  };
  return new Proxy(handle, {
    get(target, prop, receiver) {
      if (prop === SYNC_IO) {
        const io = syncIo(target);
        const fn = io[name] as (...a: unknown[]) => unknown;
        return {
          ...io,
          [name]: (...args: unknown[]) => {
            const [a, out] = around(args, (x) => fn(...x));
            hook.after?.(a);
            return out;
          },
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== name) return fn;
      return async (...args: unknown[]) => {
        const [a, pending] = around(args, (x) => fn(...x));
        const out: unknown = await pending;
        hook.after?.(a);
        return out;
      };
    },
  });
}

/**
 * `fs` whose opened handles note `label` in `calls` each time their method `name` is called (a request to the
 * thread pool; the synchronous calls of src/fs/sync-io.ts are not counted), to tell which way a copy or a hash
 * read went.
 */
export function countingMethodCalls<F extends { open: FileSystem['open'] }>(
  fs: F,
  name: 'read' | 'write',
  calls: string[],
  label: string = name,
): F {
  return {
    ...fs,
    open: (async (p: string, flags?: string | number) => {
      const handle = await fs.open(p, flags);
      const method = handle[name].bind(handle) as (...a: unknown[]) => Promise<unknown>;
      return Object.assign(handle, {
        [name]: async (...a: unknown[]) => {
          calls.push(label);
          return method(...a);
        },
      });
    }) as FileSystem['open'],
  };
}

/**
 * `handle` refusing the synchronous calls of src/fs/sync-io.ts (what a file on a network share must not get:
 * they would hold the event loop while the share hangs); its methods work.
 */
export function refusingSyncIo(handle: FileHandle): FileHandle {
  const refuse = (): never => {
    throw new Error('synchronous call on a file of a network share');
  };
  const io: SyncIo = { read: refuse, write: refuse, stat: refuse, utimes: refuse, chmod: refuse, truncate: refuse };
  return new Proxy(handle, {
    get: (target, prop) => {
      if (prop === SYNC_IO) return io;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `fs` whose opened handles refuse the synchronous calls (refusingSyncIo). */
export function withoutSyncIo<F extends { open: FileSystem['open'] }>(fs: F): F {
  return {
    ...fs,
    open: (async (p: string, flags?: string | number) => refusingSyncIo(await fs.open(p, flags))) as FileSystem['open'],
  };
}
