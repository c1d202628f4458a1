import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import { SYNC_IO, type SyncIo, syncIo } from './sync-io';
import type { FileSystem } from './types';

/** An operation a fault can hit: a FileSystem method, or read/write/stat/sync on an open handle. */
export type FaultOp = keyof FileSystem | 'handle.read' | 'handle.write' | 'handle.stat' | 'handle.sync';

export interface FaultRule {
  /** The errno code to raise, e.g. EBUSY, EAGAIN, EIO, ETIMEDOUT, ENOSPC. */
  code: string;
  /** Operations this rule applies to (default: all). */
  ops?: FaultOp[];
  /** Which paths: a substring, a RegExp, or a predicate (default: all). */
  path?: string | RegExp | ((p: string) => boolean);
  /** Probability per matching call, drawn from the seeded generator (default 1 = every call). */
  rate?: number;
  /** Stop after this many injected faults (default: unlimited = persistent). */
  times?: number;
}

export interface FaultyFsOptions {
  rules: FaultRule[];
  /** Seed for the generator, so a failing campaign can be replayed exactly. */
  seed?: number;
}

export interface InjectedFault {
  op: FaultOp;
  path: string;
  code: string;
}

export interface FaultyFs {
  fs: FileSystem;
  /** Every fault injected so far, in order. */
  injected: InjectedFault[];
  /** Turn injection off (e.g. to let a later phase of a test run clean). */
  setEnabled(enabled: boolean): void;
}

/** mulberry32: a tiny deterministic generator; good enough to spread faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An Error shaped like the ones node:fs raises (code, errno, syscall, path). */
export function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const errno = (os.constants.errno as Record<string, number>)[code];
  const err: NodeJS.ErrnoException = new Error(`${code}: injected fault, ${syscall} '${path}'`);
  err.code = code;
  if (errno !== undefined) err.errno = -errno;
  err.syscall = syscall;
  err.path = path;
  return err;
}

function matchesPath(rule: FaultRule, p: string): boolean {
  if (rule.path === undefined) return true;
  if (typeof rule.path === 'string') return p.includes(rule.path);
  if (rule.path instanceof RegExp) return rule.path.test(p);
  return rule.path(p);
}

/** A handle's synchronous calls (./sync-io.ts), meeting the same faults as its methods (chmod: the path's). */
function faultySyncIo(io: SyncIo, p: string, maybeFail: (op: FaultOp, p: string) => void): SyncIo {
  return {
    read: (...a) => {
      maybeFail('handle.read', p);
      return io.read(...a);
    },
    write: (...a) => {
      maybeFail('handle.write', p);
      return io.write(...a);
    },
    stat: () => {
      maybeFail('handle.stat', p);
      return io.stat();
    },
    utimes: (...a) => io.utimes(...a),
    chmod: (mode) => {
      maybeFail('chmod', p);
      return io.chmod(mode);
    },
    truncate: (length) => io.truncate(length),
  };
}

/**
 * Wraps a FileSystem so that chosen operations fail with errno codes — at a seeded rate (transient
 * faults: the engine should retry through them) or on every call for one path (persistent faults:
 * the run should fail naming the file). Open handles are wrapped too, their synchronous calls
 * (./sync-io.ts) included, so reads and writes in the middle of a copy can fail. Reused by the torture
 * campaign.
 */
export function createFaultyFs(inner: FileSystem, options: FaultyFsOptions): FaultyFs {
  const random = seededRandom(options.seed ?? 1);
  const injected: InjectedFault[] = [];
  const counts = new Map<FaultRule, number>();
  let enabled = true;

  const maybeFail = (op: FaultOp, p: string): void => {
    if (!enabled) return;
    for (const rule of options.rules) {
      if (rule.ops && !rule.ops.includes(op)) continue;
      if (!matchesPath(rule, p)) continue;
      const used = counts.get(rule) ?? 0;
      if (rule.times !== undefined && used >= rule.times) continue;
      if (rule.rate !== undefined && random() >= rule.rate) continue;
      counts.set(rule, used + 1);
      injected.push({ op, path: p, code: rule.code });
      throw errnoError(rule.code, op, p);
    }
  };

  const wrapHandle = (handle: FileHandle, p: string): FileHandle =>
    new Proxy(handle, {
      get(target, prop, receiver) {
        if (prop === SYNC_IO) return faultySyncIo(syncIo(target), p, maybeFail);
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const op: FaultOp | null =
          prop === 'read' || prop === 'write' || prop === 'stat' || prop === 'sync'
            ? `handle.${prop}`
            : prop === 'chmod'
              ? 'chmod' // as the synchronous call's: the mode of the copy, set through its handle or its path
              : null;
        return (...args: unknown[]) => {
          if (op) {
            try {
              maybeFail(op, p);
            } catch (err) {
              return Promise.reject(err);
            }
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });

  const wrapped: Partial<Record<keyof FileSystem, unknown>> = {};
  for (const name of Object.keys(inner) as (keyof FileSystem)[]) {
    const fn = inner[name] as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      const p = String(name === 'symlink' ? args[1] : args[0]); // symlink(target, path)
      maybeFail(name, p);
      if (name === 'link' || name === 'rename' || name === 'copyFile') maybeFail(name, String(args[1]));
      const result = await fn(...args);
      return name === 'open' ? wrapHandle(result as FileHandle, p) : result;
    };
  }
  return {
    fs: wrapped as FileSystem,
    injected,
    setEnabled(value: boolean) {
      enabled = value;
    },
  };
}
