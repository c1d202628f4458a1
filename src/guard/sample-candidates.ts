import { type FileFacts, entriesNamed, nameStems } from './change-signals';
import type { SampleCandidate } from './compressibility';

/** Where each side's copy of a file is: this snapshot's (still in the partial) and the baseline's. */
export interface StoredCopies {
  current(rel: string): string;
  previous(rel: string): string;
}

/**
 * Files worth sampling for compressibility: changed content at the same path, and new files named like a
 * vanished old file plus an extension (the old copy is the baseline's), in the order they were added.
 * `add` takes each entry with the baseline's entry at its own path (a merge in path order); what that
 * misses (new files, and on Windows a change of case) is resolved by `resolve`, from one more pass over
 * the baseline for `wanted()` and one over this snapshot: no index of every path.
 */
export class SampleCandidates {
  private readonly slots: Array<SampleCandidate | FileFacts> = []; // a FileFacts: not resolved yet
  private readonly names = new Set<string>();
  private unresolved = 0;

  constructor(
    private readonly stored: StoredCopies,
    private readonly caseInsensitive: boolean,
  ) {}

  /** The name key (folded when case-insensitive). */
  key(p: string): string {
    return this.caseInsensitive ? p.toLowerCase() : p;
  }

  add(entry: FileFacts, before: FileFacts | undefined): void {
    if (entry.type !== 'file') return;
    if (before?.type === 'file') {
      if (before.sha256 !== entry.sha256) this.slots.push(this.candidate(entry, before));
      return;
    }
    this.slots.push(entry);
    this.unresolved += 1;
    if (this.caseInsensitive) this.names.add(this.key(entry.path));
    for (const stem of nameStems(entry.path)) this.names.add(this.key(stem));
  }

  /** The names (keys) of the baseline's files `resolve` needs. */
  wanted(): ReadonlySet<string> {
    return this.names;
  }

  /**
   * The candidates. `previousFiles`: the baseline's files among `wanted()` (at least), by key
   * (`entriesNamed(…, key, true)`); `current`: this snapshot's entries once more, or at least those whose
   * key is in `wanted()` (every type, in order).
   */
  resolve(previousFiles: ReadonlyMap<string, FileFacts>, current: Iterable<FileFacts>): SampleCandidate[] {
    if (this.unresolved === 0) return this.slots as SampleCandidate[];
    const key = (p: string) => this.key(p);
    const olds = new Set<string>();
    for (const e of previousFiles.values()) olds.add(key(e.path));
    const stillHere = entriesNamed(current, olds, key, false);
    const out: SampleCandidate[] = [];
    for (const slot of this.slots) {
      if ('current' in slot) {
        out.push(slot);
        continue;
      }
      const before = this.caseInsensitive ? previousFiles.get(key(slot.path)) : undefined;
      if (before) {
        if (before.sha256 !== slot.sha256) out.push(this.candidate(slot, before));
        continue;
      }
      const renamedFrom = nameStems(slot.path)
        .map((stem) => previousFiles.get(key(stem)))
        .find((old) => old !== undefined && !stillHere.has(key(old.path)));
      if (renamedFrom) out.push(this.candidate(slot, renamedFrom));
    }
    return out;
  }

  private candidate(entry: FileFacts, before: FileFacts): SampleCandidate {
    return {
      path: entry.path,
      current: { file: this.stored.current(entry.path), size: entry.size },
      previous: { file: this.stored.previous(before.path), size: before.size },
    };
  }
}
