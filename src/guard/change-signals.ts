import { hasRansomExtension, ransomNoteKind } from './ransom-names';

/**
 * What changed between the previous snapshot and this one, reduced to the facts the ransomware guard
 * weighs. Pure, over manifest entries (the previous snapshot's index, this snapshot's entries as they
 * are written): ransomware rewrites many files in place with the same size (stream ciphers, or
 * encrypt-then-pad to the same length), renames files to a new extension, and drops ransom notes.
 * Memory: a few facts per NEW file. The caller pairs each entry with the previous snapshot's entry at the
 * same path (a merge of the two manifests in path order); the names a rename needs are looked for in one
 * more pass over each side at the end (`wanted()`, then `finish`), not kept for every path.
 */

/** The fields of a manifest entry the guard reads (a ManifestEntry fits). */
export interface FileFacts {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  size: number;
  mtimeNs: string;
  sha256: string | null;
}

export interface ChangeSignals {
  /** Files in both snapshots (same path, a file in each): the denominator of the shares. */
  filesCompared: number;
  /** Of those, files whose content changed (size or not). */
  changed: number;
  /** Changed content, same size. */
  changedSameSize: number;
  /** Changed content, same size AND same modification time (a tool that restores times: never a normal save). */
  changedSameStat: number;
  /** New files whose last extension is a ransomware one (up to EXAMPLES of them in `examples.extension`). */
  ransomExtension: number;
  /**
   * New files named like an old file plus one or more extensions ("ANIMAL.V2$" → "ANIMAL.V2$.id-3F2A.akira")
   * while the old name disappeared: how most ransomware renames what it encrypted.
   */
  appendedExtension: number;
  /** New files named like a ransom note. */
  ransomNotes: number;
  /** New plain README files (weak alone: some families drop one per folder). */
  readmes: number;
  /** A few paths per signal, for the message. */
  examples: { changedSameSize: string[]; extension: string[]; appended: string[]; notes: string[] };
}

const EXAMPLES = 5;

export interface TallyOptions {
  /** Ransomware extensions (ransomExtensionSet(guard.ransomware.extensions)). */
  extensions: ReadonlySet<string>;
  /** Windows: names compare case-insensitively (an appended extension on "animal.v2$" still matches). */
  caseInsensitive: boolean;
}

/** Accumulates ChangeSignals while this snapshot's entries stream by; `finish()` adds the rename signal. */
export class ChangeTally {
  private readonly signals: ChangeSignals = {
    filesCompared: 0,
    changed: 0,
    changedSameSize: 0,
    changedSameStat: 0,
    ransomExtension: 0,
    appendedExtension: 0,
    ransomNotes: 0,
    readmes: 0,
    examples: { changedSameSize: [], extension: [], appended: [], notes: [] },
  };
  /** New files whose name minus the last extension may be an old file that disappeared. */
  private readonly renameCandidates: Array<{ path: string; stems: string[] }> = [];

  constructor(private readonly options: TallyOptions) {}

  /** `entry` of this snapshot, with the previous snapshot's entry at the same path (undefined: none). */
  add(entry: FileFacts, before: FileFacts | undefined): void {
    if (entry.type !== 'file') return;
    if (before !== undefined && before.type === 'file') {
      this.compare(before, entry);
      return;
    }
    this.newFile(entry);
  }

  private compare(before: FileFacts, entry: FileFacts): void {
    const s = this.signals;
    s.filesCompared += 1;
    if (before.sha256 === entry.sha256) return;
    s.changed += 1;
    if (before.size !== entry.size) return;
    s.changedSameSize += 1;
    if (before.mtimeNs === entry.mtimeNs) s.changedSameStat += 1;
    pushExample(s.examples.changedSameSize, entry.path);
  }

  private newFile(entry: FileFacts): void {
    const s = this.signals;
    if (hasRansomExtension(entry.path, this.options.extensions)) {
      s.ransomExtension += 1;
      pushExample(s.examples.extension, entry.path);
    }
    const note = ransomNoteKind(entry.path, entry.size);
    if (note === 'note') {
      s.ransomNotes += 1;
      pushExample(s.examples.notes, entry.path);
    } else if (note === 'readme') {
      s.readmes += 1;
    }
    const stems = nameStems(entry.path).map((stem) => this.key(stem));
    if (stems.length > 0) this.renameCandidates.push({ path: entry.path, stems });
  }

  /** The names (as `key` folds them) whose previous files `finish` needs: the stems of the new files. */
  wanted(): Set<string> {
    return new Set(this.renameCandidates.flatMap((c) => c.stems));
  }

  /** The name key of this tally (folded when case-insensitive). */
  key(p: string): string {
    return this.options.caseInsensitive ? p.toLowerCase() : p;
  }

  /**
   * Adds the rename signal and returns the whole tally. `previousFiles`: the previous snapshot's files
   * among `wanted()` (at least), by key (`entriesNamed(…, key, true)`); `current`: this snapshot's entries
   * once more, or at least those whose key is in `wanted()` (every type, in order, as given to `add`). So
   * no set of every path is built (on Windows, where names are folded, that was a new string per path).
   */
  finish(previousFiles: ReadonlyMap<string, FileFacts>, current: Iterable<FileFacts>): ChangeSignals {
    const s = this.signals;
    if (this.renameCandidates.length > 0) {
      const currentPaths = entriesNamed(current, this.wanted(), (p) => this.key(p), false);
      for (const c of this.renameCandidates) {
        if (!c.stems.some((stem) => previousFiles.has(stem) && !currentPaths.has(stem))) continue;
        s.appendedExtension += 1;
        pushExample(s.examples.appended, c.path);
      }
    }
    return structuredClone(s);
  }
}

/**
 * The entries of `entries` whose path, as `key` gives it (folded on Windows), is in `wanted`, by that key
 * (files only, when `filesOnly`): one pass that holds only the few names asked for, not every path.
 */
export function entriesNamed<T extends FileFacts>(
  entries: Iterable<T>,
  wanted: ReadonlySet<string>,
  key: (p: string) => string,
  filesOnly: boolean,
): Map<string, T> {
  const found = new Map<string, T>();
  for (const e of entries) {
    if (filesOnly && e.type !== 'file') continue;
    const k = key(e.path);
    if (wanted.has(k)) found.set(k, e);
  }
  return found;
}

/** The whole tally in one call, the previous snapshot as an index (tests, small trees). */
export function tallyChanges(
  previous: ReadonlyMap<string, FileFacts>,
  current: readonly FileFacts[],
  options: TallyOptions,
): ChangeSignals {
  const tally = new ChangeTally(options);
  for (const entry of current) tally.add(entry, previous.get(entry.path));
  return tally.finish(
    entriesNamed(previous.values(), tally.wanted(), (p) => tally.key(p), true),
    current,
  );
}

/**
 * The names `rel` would have had before one or more extensions were appended:
 * "d/ANIMAL.V2$.id-1F.[x@y].akira" → "d/ANIMAL", "d/ANIMAL.V2$", "d/ANIMAL.V2$.id-1F", "d/ANIMAL.V2$.id-1F.[x@y]".
 */
export function nameStems(rel: string): string[] {
  const slash = rel.lastIndexOf('/') + 1;
  const stems: string[] = [];
  for (let dot = rel.indexOf('.', slash + 1); dot !== -1; dot = rel.indexOf('.', dot + 1))
    stems.push(rel.slice(0, dot));
  return stems;
}

function pushExample(list: string[], p: string): void {
  if (list.length < EXAMPLES) list.push(p);
}
