import { chmodSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../../build/node-flags.mjs';
import { describeMachine } from '../../../bench/machine';
import { bundledCli, help } from '../../../bench/ours';
import { tempDir } from '../../helpers/cli';

describe('bundledCli', () => {
  it('runs the bundle with the flags of the executables, under this Node unless told another', () => {
    expect(bundledCli('/b/app.cjs')).toEqual({ file: process.execPath, prefix: [...NODE_FLAGS, '/b/app.cjs'] });
  });

  it('runs the bundle under the Node it is given (bench --node)', async () => {
    const { dir, cleanup } = await tempDir('avb-ours-');
    const script = path.join(dir, 'app.cjs');
    writeFileSync(
      script,
      'process.stdout.write(JSON.stringify(process.execArgv) + " " + process.argv.slice(2).join(" "))',
    );
    const node = path.join(dir, 'other-node');
    writeFileSync(node, `#!/bin/sh\nprintf 'other node: '\nexec '${process.execPath}' "$@"\n`);
    chmodSync(node, 0o755);
    try {
      const out = await help(bundledCli(script, node));
      expect(out.stdout).toBe(`other node: ${JSON.stringify(NODE_FLAGS)} --help`);
    } finally {
      await cleanup();
    }
  });
});

describe('describeMachine', () => {
  it('names the Node that runs avimark-backup, this one by default', () => {
    expect(describeMachine(os.tmpdir()).node).toBe(process.version);
    expect(describeMachine(os.tmpdir(), 'v22.23.3').node).toBe('v22.23.3');
  });
});
