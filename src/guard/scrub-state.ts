import { errnoCode } from '../errors';
import { writeFileAtomic } from '../fs/durable';
import type { FileSystem } from '../fs/types';
import type { ScrubMark, ScrubState } from './scrub-plan';

/**
 * The scrub state file (./paths.ts scrubStatePath): JSON lines {"k": key, "h": sha256, "t": ISO time},
 * rewritten whole and atomically after each scrub (about 130 bytes a file: 13 MB for 100,000 stored
 * files). A line that does not parse is skipped: losing a mark only makes that file due sooner.
 */

interface Line {
  k: string;
  h: string;
  t: string;
}

function isLine(v: unknown): v is Line {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.k === 'string' && typeof o.h === 'string' && typeof o.t === 'string';
}

export function parseScrubState(text: string): { state: Map<string, ScrubMark>; skipped: number } {
  const state = new Map<string, ScrubMark>();
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped += 1;
      continue;
    }
    if (!isLine(value) || Number.isNaN(Date.parse(value.t))) {
      skipped += 1;
      continue;
    }
    state.set(value.k, { sha256: value.h, verifiedAt: value.t });
  }
  return { state, skipped };
}

export function serializeScrubState(state: ScrubState): string {
  const keys = [...state.keys()].sort();
  return keys
    .map((k) => {
      const mark = state.get(k) as ScrubMark;
      return `${JSON.stringify({ k, h: mark.sha256, t: mark.verifiedAt })}\n`;
    })
    .join('');
}

/** The state, or an empty one when the file does not exist yet. */
export async function readScrubState(
  fs: Pick<FileSystem, 'readFile'>,
  file: string,
): Promise<{ state: Map<string, ScrubMark>; skipped: number }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { state: new Map(), skipped: 0 };
    throw err;
  }
  return parseScrubState(text);
}

export async function writeScrubState(
  fs: Pick<FileSystem, 'open' | 'rename' | 'rm' | 'mkdir'>,
  file: string,
  state: ScrubState,
): Promise<void> {
  await writeFileAtomic(fs, file, serializeScrubState(state), { createDir: true });
}
