// Bundles src/ into one CommonJS file that needs only Node built-ins, then (unless
// --bundle-only) builds the single executables (see build/sea.mjs) from a second bundle
// without the test-only hooks (see build/bundle.mjs).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENTRIES, PRODUCTION_ENTRY, writeBundle } from './build/bundle.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
const bundleOnly = process.argv.includes('--bundle-only');

for (const entry of ENTRIES) await writeBundle(root, entry, { testHooks: true });

if (!bundleOnly) {
  await writeBundle(root, PRODUCTION_ENTRY, { testHooks: false });
  const { buildExecutables } = await import('./build/sea.mjs');
  await buildExecutables({ root, bundle: path.join(root, PRODUCTION_ENTRY.out) });
}
