import { existsSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');

/** The pwsh the tests use; `npm test`'s pretest step guarantees one exists (see test/setup/ensure-pwsh.mjs). */
export function pwshPath(): string {
  if (process.env.AVIMARK_TEST_PWSH) return process.env.AVIMARK_TEST_PWSH;
  const local = path.join(repoRoot, '.tools', 'pwsh', 'pwsh');
  if (existsSync(local)) return local;
  return 'pwsh';
}

/** The bundle built by `node build.mjs --bundle-only` (pretest). */
export const bundlePath = path.join(repoRoot, 'dist', 'avimark-backup.cjs');
