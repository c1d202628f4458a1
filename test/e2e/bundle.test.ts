import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonBuiltinRequires } from '../../build/sea.mjs';
import { tempDir } from '../helpers/cli';
import { bundlePath, repoRoot } from '../helpers/pwsh';

// The one-file bundle is what goes into the single executables, which can load only Node built-ins.
describe('the one-file bundle (dist/avimark-backup.cjs)', () => {
  let bundleText = '';
  let isolated: { dir: string; cleanup: () => Promise<void> };
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

  beforeAll(async () => {
    bundleText = await readFile(bundlePath, 'utf8');
    isolated = await tempDir('avb-bundle-');
    await copyFile(bundlePath, path.join(isolated.dir, 'avimark-backup.cjs'));
  });
  afterAll(async () => {
    await isolated?.cleanup();
  });

  function runIsolated(args: string[]) {
    // An empty folder far from the repo: no node_modules anywhere up the tree, no NODE_PATH.
    const env = { ...process.env };
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS;
    return spawnSync(process.execPath, ['avimark-backup.cjs', ...args], { cwd: isolated.dir, env, encoding: 'utf8' });
  }

  it('requires only Node built-ins', () => {
    const all = [...bundleText.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    // The scan must see the bundle's real requires, or an empty result would prove nothing.
    expect(all).toContain('node:fs');
    const builtins = new Set(builtinModules);
    const external = all.filter((name) => !builtins.has(name.replace(/^node:/, '')));
    expect(external).toEqual([]);
    expect(nonBuiltinRequires(bundleText)).toEqual([]);
  });

  it('prints its version from an empty folder with no node_modules', () => {
    const result = runIsolated(['--version']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('prints its help from an empty folder with no node_modules', () => {
    const result = runIsolated(['--help']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: avimark-backup');
  });
});

describe('nonBuiltinRequires', () => {
  it('finds non-built-in requires and accepts node: and bare built-ins', () => {
    const text =
      'require("node:fs");require("path");require( "debug" );x.require(\'supports-color\');require("./local")';
    expect(nonBuiltinRequires(text)).toEqual(['./local', 'debug', 'supports-color']);
  });
});
