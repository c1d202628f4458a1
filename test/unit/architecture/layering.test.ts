import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/pwsh';

/**
 * The rooms of src/, top to bottom (docs/architecture.md). A folder may import from any level BELOW its own;
 * never from a level above, and not from another folder on its own level (siblings stay independent).
 * Top-level files (errors.ts, version.ts) count as the folder of their name.
 */
const LEVELS: readonly (readonly string[])[] = [
  ['cli'],
  // selftest orchestrates like cycle: the CLI runs them, they use report/engine below.
  ['cycle', 'selftest'],
  // The offsite copy through restic (the CLI runs it and hands it to the night, selftest checks it) and
  // the restore drill (restores and checks through the engine).
  ['offsite', 'drill'],
  // guard: the pure integrity checks (shrink, ransomware signals) the engine and cycle consult.
  ['lockout', 'engine', 'report', 'guard'],
  // The state folder (run lock, last run): its run lock is a store lock file, its record a run record.
  ['state'],
  ['store', 'host', 'config'],
  ['fs', 'log', 'format'],
  // The floor, importing nothing from src/: the error model every level throws (AppError and its exit codes),
  // and the schema library configured once (validation.ts: zod's mini build with English messages).
  ['errors', 'version', 'validation'],
];

/** Sibling imports that were already the case before the layering rule (issue 12): accepted as they are. */
const EXISTING_SIBLING_IMPORTS: readonly string[] = [];

/**
 * In-flight work that breaks the rule: TO BE REMOVED at integration (the lead deletes each line once its
 * import is gone; the test then keeps it gone).
 */
const TO_BE_REMOVED: readonly string[] = [];

const src = path.join(repoRoot, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The src/ folder a file belongs to ("errors" for src/errors.ts). */
function room(file: string): string {
  return path.relative(src, file).split(path.sep)[0].replace(/\.ts$/, '');
}

function levelOf(name: string): number {
  return LEVELS.findIndex((level) => level.includes(name));
}

/** The relative module specifiers of imports, re-exports and dynamic imports (type-only ones too). */
function relativeSpecifiers(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
}

/** Every relative import, re-export and dynamic import of a file, as the src/ folder it lands in. */
function importedRooms(file: string): Array<{ target: string; spec: string }> {
  return relativeSpecifiers(readFileSync(file, 'utf8')).flatMap((spec) => {
    const target = path.resolve(path.dirname(file), spec);
    const rel = path.relative(src, target);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return [];
    return [{ target: rel.split(path.sep)[0].replace(/\.ts$/, ''), spec }];
  });
}

interface Offence {
  pair: string;
  file: string;
  spec: string;
}

function offences(): Offence[] {
  const found: Offence[] = [];
  for (const file of tsFiles(src)) {
    const from = room(file);
    for (const { target, spec } of importedRooms(file)) {
      if (target === from) continue;
      const [a, b] = [levelOf(from), levelOf(target)];
      // A lower index is a higher level: importing a smaller index, or the same one, goes up or sideways.
      if (b <= a) found.push({ pair: `${from} -> ${target}`, file: path.relative(repoRoot, file), spec });
    }
  }
  return found;
}

describe('layering of src/: a folder never imports one above it or beside it', () => {
  it('every folder and top-level file of src/ has a level', () => {
    const rooms = new Set(tsFiles(src).map(room));
    expect([...rooms].filter((r) => levelOf(r) === -1).sort()).toEqual([]);
  });

  it('no import goes up a level or sideways, except the listed pairs', () => {
    const allowed = new Set([...EXISTING_SIBLING_IMPORTS, ...TO_BE_REMOVED]);
    const bad = offences()
      .filter((o) => !allowed.has(o.pair))
      .map((o) => `${o.file} imports ${o.spec} (${o.pair})`);
    expect(bad).toEqual([]);
  });

  it('every listed exception still exists (a fixed one is deleted from the list)', () => {
    const pairs = new Set(offences().map((o) => o.pair));
    expect([...EXISTING_SIBLING_IMPORTS, ...TO_BE_REMOVED].filter((p) => !pairs.has(p))).toEqual([]);
  });

  it('the check sees an upward import (so it can fail)', () => {
    const text = [
      "import type { A } from '../cli/main';",
      "export { y } from '../../src/cycle/nightly';",
      "const m = await import('./local');",
      "import { z } from 'zod';",
    ].join('\n');
    expect(relativeSpecifiers(text)).toEqual(['../cli/main', '../../src/cycle/nightly', './local']);
    expect(levelOf('report')).toBeGreaterThan(levelOf('cycle'));
    expect(levelOf('cycle')).toBeGreaterThan(levelOf('cli'));
  });
});
