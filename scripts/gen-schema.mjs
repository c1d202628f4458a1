// Writes schema/config.schema.json and docs/configuration.md from src/config (zod schema + field
// descriptions). `--check` only compares and exits 1 when a file is stale (for CI).
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const outfile = path.join(os.tmpdir(), `avb-gen-schema-${process.pid}.cjs`);
await build({
  entryPoints: [path.join(root, 'src/config/generated-files.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile,
  logLevel: 'warning',
});
const { generatedFiles } = createRequire(import.meta.url)(outfile);
await rm(outfile, { force: true });
let stale = 0;
for (const [rel, content] of Object.entries(generatedFiles())) {
  const file = path.join(root, rel);
  const current = await readFile(file, 'utf8').catch(() => null);
  if (current === content) continue;
  if (check) {
    console.error(`${rel} is out of date: run node scripts/gen-schema.mjs`);
    stale += 1;
    continue;
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  console.log(`wrote ${rel}`);
}
process.exitCode = stale ? 1 : 0;
