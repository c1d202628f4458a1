// The esbuild options of every bundle build.mjs makes (imported by build.mjs and by the tests).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import path from 'node:path';

/**
 * Entry points: the product, plus the bench and torture runners (bundled the same way so they run from dist/).
 * The product's bundle keeps the test-only hooks: the tests run it (dist/avimark-backup.cjs).
 */
export const ENTRIES = [
  { in: 'src/cli/main.ts', out: 'dist/avimark-backup.cjs' },
  // Runners that live beside the product (two folders below the repo root, so they find test/ and ps/).
  { in: 'bench/run.ts', out: 'dist/bench/run.cjs' },
  { in: 'scripts/demo.ts', out: 'dist/demo/demo.cjs' },
];

/**
 * What the single executables are made from: the product without the test-only hooks (`__AVB_TEST_HOOKS__`
 * false, so esbuild drops the code behind it). Beside the test bundle, in dist/, where build/sea.mjs writes
 * the executables.
 */
export const PRODUCTION_ENTRY = { in: 'src/cli/main.ts', out: 'dist/avimark-backup.production.cjs' };

/** esbuild options for one bundle; `testHooks` keeps the test-only code (AVIMARK_BACKUP_TEST_KILL_AFTER_STEP). */
export function bundleOptions(root, entry, { testHooks }) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  return {
    entryPoints: [path.join(root, entry.in)],
    outfile: path.join(root, entry.out),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    // PowerShell scripts under ps/host are bundled as text: the exe never reads files beside itself.
    loader: { '.ps1': 'text', '.psm1': 'text' },
    define: {
      __AVIMARK_BACKUP_VERSION__: JSON.stringify(pkg.version),
      __AVB_TEST_HOOKS__: testHooks ? 'true' : 'false',
    },
    banner: { js: '"use strict";' },
  };
}

/**
 * The bundle's text with every non-ASCII character written as a `\u` escape. esbuild already escapes them in
 * strings, regular expressions and templates (`charset: 'ascii'`, its default), but keeps comments as they
 * are; one em dash in a comment makes V8 hold the whole source as a two-byte string (4.8 MB instead of
 * 2.4 MB, for the whole run). In a comment an escape is inert, and anywhere else it means the same character.
 */
export function asciiOnly(text) {
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Builds one bundle and writes it as ASCII (see asciiOnly). */
export async function writeBundle(root, entry, options) {
  const result = await build({ ...bundleOptions(root, entry, options), write: false });
  for (const file of result.outputFiles) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, asciiOnly(file.text));
  }
}
