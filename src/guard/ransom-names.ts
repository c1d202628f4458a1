/**
 * Names ransomware leaves behind: extensions it appends to encrypted files, and the notes it drops in
 * every folder. Curated from the families seen against small practices (LockBit, Conti, Ryuk, Akira,
 * Royal, BlackCat/ALPHV, Phobos, STOP/Djvu, Dharma …) plus the generic ones. Extensions compare
 * case-insensitively on the last extension of the name. `guard.ransomware.extensions` adds to the list.
 */

export const RANSOM_EXTENSIONS: readonly string[] = [
  // generic
  '.locked',
  '.encrypted',
  '.enc',
  '.crypt',
  '.crypted',
  '.crypto',
  '.crinf',
  '.ransom',
  // families
  '.lockbit',
  '.ryk',
  '.ryuk',
  '.conti',
  '.akira',
  '.royal',
  '.royal_w',
  '.blackcat',
  '.alphv',
  '.phobos',
  '.eking',
  '.djvu',
  '.dharma',
  '.cerber',
  '.locky',
  '.zepto',
  '.wncry',
  '.wnry',
  '.wcry',
  '.basta',
  '.hive',
  '.rhysida',
  '.medusa',
  '.babyk',
  '.makop',
  '.mallox',
  '.clop',
  '.cl0p',
  '.avos',
  '.cryptolocker',
  '.cryptowall',
  '.kraken',
];

/** A name (without extension) that only a ransom note has. */
const RANSOM_NOTE_PATTERNS: readonly RegExp[] = [
  /decrypt/i,
  /ransom/i,
  /(restore|recover|return|unlock)[\W_]*(my|your|all|the)?[\W_]*(files|data)/i,
  /recover[\W_]+\w+[\W_]+files/i,
  /(how|help)[\W_]*(to)?[\W_]*(restore|recover|unlock|decrypt|back[\W_]*files)/i,
  /(files|data)[\W_]*(are|were|have[\W_]*been)?[\W_]*encrypted/i,
  /^(?:[!_#]+read[\W_]?me[!_#]*|read[\W_]?me[!_#]+|read[\W_]?me[\W_]*now|[a-z0-9]+_readme)$/i,
];

/** A plain README: what several families (Conti, Royal) drop in every folder; weak alone, strong in numbers. */
const PLAIN_README = /^read[\W_]?me$/i;

export type RansomNoteKind = 'note' | 'readme';

/** Extensions (lower case, with the dot) that mark encrypted files: the built-in list plus `extra`. */
export function ransomExtensionSet(extra: readonly string[] = []): ReadonlySet<string> {
  return new Set([...RANSOM_EXTENSIONS, ...extra].map((e) => e.toLowerCase()));
}

/** The last extension of a '/'-separated path's file name, lower case with the dot ("" when none). */
export function lastExtension(rel: string): string {
  const name = baseName(rel);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}

export function baseName(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

export function hasRansomExtension(rel: string, extensions: ReadonlySet<string>): boolean {
  const ext = lastExtension(rel);
  return ext !== '' && extensions.has(ext);
}

/**
 * 'note' for a file named like a ransom note (HOW_TO_DECRYPT.txt, Restore-My-Files.txt, _readme.txt,
 * akira_readme.txt …), 'readme' for a plain README.txt (weak alone), null otherwise. Only small
 * text-like files are notes: pass the size (notes are a few KiB).
 */
export function ransomNoteKind(rel: string, size: number): RansomNoteKind | null {
  if (size > MAX_NOTE_BYTES) return null;
  const name = baseName(rel);
  const ext = lastExtension(rel);
  if (ext !== '' && !NOTE_EXTENSIONS.has(ext)) return null;
  const stem = ext === '' ? name : name.slice(0, -ext.length);
  if (PLAIN_README.test(stem)) return 'readme';
  return RANSOM_NOTE_PATTERNS.some((p) => p.test(stem)) ? 'note' : null;
}

const MAX_NOTE_BYTES = 256 * 1024;
const NOTE_EXTENSIONS = new Set(['.txt', '.html', '.htm', '.hta', '.rtf', '.url', '.png', '.bmp', '.jpg']);
