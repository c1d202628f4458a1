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
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
