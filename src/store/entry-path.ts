import { hasOnlyPlainSegments } from '../fs/join-relative';
import type { ManifestEntry } from './types';

/**
 * What makes a manifest entry's path unsafe to join to a folder, or null when it is safe. Every reader
 * (restore, verify, the next backup, the drill) joins entry paths to a snapshot or a target folder, so a
 * damaged or tampered manifest with `..` in a path would read and write outside them ("zip slip"). A
 * path the scan can produce is a '/'-separated list of names, none empty, `.` or `..`; on Windows a name
 * never holds `\\` (a separator there) or `:` (a drive, or an alternate data stream: `file:stream`).
 */
export function entryPathProblem(p: unknown, platform: NodeJS.Platform = process.platform): string | null {
  if (typeof p !== 'string') return 'is not a string';
  if (!hasOnlyPlainSegments(p)) return 'has an empty, "." or ".." part, or starts or ends with "/"';
  if (p.includes('\0')) return 'holds a NUL character';
  if (platform === 'win32' && /[\\:]/.test(p)) return 'holds "\\" or ":", which no Windows file name has';
  return null;
}

/**
 * Entries below a symbolic link: a manifest never has them (the scan does not follow links), and a
 * restore would write them through the link, wherever it points. Tracks the links seen so far in a
 * stream of entries; returns the link an entry lies below, or null.
 */
export class LinkAncestry {
  private readonly links = new Set<string>();
  /** Windows' names compare without case: a link `Docs` also covers an entry `docs/x` there. */
  private readonly key: (p: string) => string;

  constructor(platform: NodeJS.Platform = process.platform) {
    this.key = platform === 'win32' ? (p) => p.toLowerCase() : (p) => p;
  }

  below(entry: Pick<ManifestEntry, 'path' | 'type'>): string | null {
    let found: string | null = null;
    if (this.links.size > 0) {
      for (let at = entry.path.indexOf('/'); at !== -1; at = entry.path.indexOf('/', at + 1)) {
        const ancestor = entry.path.slice(0, at);
        if (this.links.has(this.key(ancestor))) {
          found = ancestor;
          break;
        }
      }
    }
    if (entry.type === 'symlink') this.links.add(this.key(entry.path));
    return found;
  }
}
