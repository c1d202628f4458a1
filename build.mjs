// Bundles src/ into one CommonJS file that needs only Node built-ins, then (unless
// --bundle-only) builds the single executables (see build/sea.mjs).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const bundleOnly = process.argv.includes('--bundle-only');

/** Entry points: the product, plus the bench and torture runners (bundled the same way so they run from dist/). */
export const entries = [
  { in: 'src/cli/main.ts', out: 'dist/avimark-backup.cjs' },
  // Runners that live beside the product (two folders below the repo root, so they find test/ and ps/).
  { in: 'bench/run.ts', out: 'dist/bench/run.cjs' },
  { in: 'scripts/demo.ts', out: 'dist/demo/demo.cjs' },
];

for (const entry of entries) {
  await build({
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
    define: { __AVIMARK_BACKUP_VERSION__: JSON.stringify(pkg.version) },
    banner: { js: '"use strict";' },
  });
}

if (!bundleOnly) {
  const { buildExecutables } = await import('./build/sea.mjs');
  await buildExecutables({ root, bundle: path.join(root, entries[0].out) });
}
