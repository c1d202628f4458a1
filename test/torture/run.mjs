// Entry of `npm run torture`: bundles test/torture/run.ts with esbuild (next to this file, so the test
// helpers' `__dirname`-relative repo root stays right) and runs it with the same arguments.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '.torture.cjs');
await build({
  entryPoints: [path.join(here, 'run.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  loader: { '.ps1': 'text', '.psm1': 'text' },
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit' });
rmSync(out, { force: true });
process.exit(r.status ?? 1);
