import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { engineSchema, type EngineConfig } from '../../src/config/schema';

/** Test fixtures and an independent oracle for the engine tests (synchronous node:fs, no engine code). */

export function engineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return { ...engineSchema.parse({}), retryMinTimeoutMs: 1, retryMaxTimeMs: 5000, ...overrides };
}

/** Writes files: a key ending in '/' is an (empty) folder; values are contents. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  mkdirSync(root, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    if (rel.endsWith('/')) {
      mkdirSync(abs, { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}

/** path → "dir" | "link:<target>" | "<sha256>:<size>" for every entry below root: a fresh hash walk. */
export function hashWalk(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const a = path.join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(a);
      if (st.isSymbolicLink()) out.set(r, `link:${readlinkSync(a)}`);
      else if (st.isDirectory()) {
        out.set(r, 'dir');
        walk(a, r);
      } else if (st.isFile()) {
        const data = readFileSync(a);
        out.set(r, `${createHash('sha256').update(data).digest('hex')}:${data.length}`);
      }
    }
  };
  walk(root, '');
  return out;
}

export function inodeOf(p: string): bigint {
  return lstatSync(p, { bigint: true }).ino;
}

/** Deterministic pseudo-random bytes (fast, no crypto). */
export function pseudoRandom(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  for (let i = size - (size % 4); i < size; i += 1) buf[i] = i & 0xff;
  return buf;
}
