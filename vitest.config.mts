import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Like build.mjs's test bundle: the test-only hooks are on (build/bundle.mjs).
  define: { __AVB_TEST_HOOKS__: 'true' },
  // Like build.mjs's text loader: `import script from '…/Host.ps1'` gives the file's text.
  plugins: [
    {
      name: 'powershell-as-text',
      transform(code: string, id: string) {
        if (/\.(ps1|psm1)$/.test(id)) return { code: `export default ${JSON.stringify(code)};`, map: null };
        return undefined;
      },
    },
  ],
  test: {
    // One project per speed: `npm run test:unit` (pure and in-memory, under a minute), test:integration
    // (real pwsh, the simulated server, restic), test:e2e (the built bundle and executables), and the
    // slow torture campaigns. `vitest run` with no --project runs them all.
    projects: [
      {
        extends: true,
        // generate.test.ts writes whole AVImark-shaped data sets (≈20 s): it runs with the slow ones.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], exclude: ['test/unit/bench/generate.test.ts'] },
      },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'slow', include: ['test/torture/**/*.test.ts', 'test/unit/bench/generate.test.ts'] },
      },
    ],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
