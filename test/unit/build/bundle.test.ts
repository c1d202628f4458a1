import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ENTRIES, PRODUCTION_ENTRY, asciiOnly, bundleOptions } from '../../../build/bundle.mjs';
import { TEST_KILL_AFTER_STEP_ENV } from '../../../src/lockout/session';
import { repoRoot } from '../../helpers/pwsh';

async function bundleText(testHooks: boolean): Promise<string> {
  const result = await build({ ...bundleOptions(repoRoot, PRODUCTION_ENTRY, { testHooks }), write: false });
  return result.outputFiles?.[0]?.text ?? '';
}

describe('the test-only hooks', () => {
  it('are compiled out of the bundle the single executables are made from', async () => {
    const text = await bundleText(false);
    expect(text).toContain('avimark-backup'); // a real bundle of the product
    expect(text).not.toContain(TEST_KILL_AFTER_STEP_ENV);
    expect(text).not.toContain('__AVB_TEST_HOOKS__');
  });

  it('stay in the bundle the tests run (so the check above can fail)', async () => {
    const text = await bundleText(true);
    expect(text).toContain(TEST_KILL_AFTER_STEP_ENV);
    expect(text).not.toContain('__AVB_TEST_HOOKS__');
  });

  it('the production bundle is the product entry, beside the test bundle (build/sea.mjs writes the executables there)', () => {
    const product = ENTRIES.find((e) => e.out.endsWith('avimark-backup.cjs'));
    expect(product?.in).toBe(PRODUCTION_ENTRY.in);
    expect(path.dirname(PRODUCTION_ENTRY.out)).toBe(path.dirname(product?.out ?? ''));
    expect(bundleOptions(repoRoot, ENTRIES[0], { testHooks: true }).define).toMatchObject({
      __AVB_TEST_HOOKS__: 'true',
    });
  });
});

/** The zod modules a bundle holds (esbuild marks each module with a `// node_modules/...` comment). */
function zodModules(text: string): string[] {
  return [...text.matchAll(/^\/\/ node_modules\/zod\/(\S+)$/gm)].map((m) => m[1]);
}

/** Classic zod, or a locale other than English: ~8 MiB of resident memory from the start (src/validation.ts). */
const heavyZod = (modules: string[]) =>
  modules.filter((m) => m.includes('/classic/') || (m.includes('/locales/') && !m.endsWith('/en.js')));

describe('zod in the bundle', () => {
  it("holds the mini build's parts in use and the English messages, not classic zod nor the other locales", async () => {
    const modules = zodModules(await bundleText(false));
    expect(modules).toContain('v4/locales/en.js');
    expect(modules.some((m) => m.startsWith('v4/mini/'))).toBe(true);
    expect(heavyZod(modules)).toEqual([]);
  });

  it('the check sees classic zod when something imports it (so it can fail)', async () => {
    const result = await build({
      stdin: { contents: "import { z } from 'zod'; console.log(z.string().parse('x'));", resolveDir: repoRoot },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
    });
    expect(heavyZod(zodModules(result.outputFiles?.[0]?.text ?? '')).length).toBeGreaterThan(10);
  });
});

describe('asciiOnly (what build.mjs writes)', () => {
  it('leaves the bundle pure ASCII, so V8 holds its source as a one-byte string', async () => {
    const raw = await bundleText(true);
    const text = asciiOnly(raw);
    expect(/[\u0080-\uffff]/.test(text)).toBe(false);
    expect(text.length).toBeGreaterThanOrEqual(raw.length);
  });

  it('writes each UTF-16 unit as an escape that means the same character in code and is inert in a comment', () => {
    const escaped = asciiOnly("// a — b\nconst s = 'é😀';");
    expect(escaped).toBe("// a \\u2014 b\nconst s = '\\u00e9\\ud83d\\ude00';");
    // biome-ignore lint/security/noGlobalEval: the escaped source must evaluate to the same string
    expect((0, eval)(`${escaped}; s`)).toBe('é😀');
  });
});
