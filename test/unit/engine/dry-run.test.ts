import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackup } from '../../../src/engine/backup';
import { dryRunBackup } from '../../../src/engine/dry-run';
import { localFs } from '../../../src/fs/local';
import { silentLogger } from '../../../src/log/logger';
import { tempDir } from '../../helpers/cli';
import { withoutSyncIo } from '../../helpers/handle';
import { engineConfig, writeTree } from '../../helpers/tree';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-dry-')));
afterEach(async () => cleanup());

describe('dryRunBackup', () => {
  it.skipIf(process.platform === 'win32')(
    'hashes the files of a source on a network share (a UNC-shaped path) through the thread pool only',
    async () => {
      const src = path.join(dir, 'AVImark');
      const dest = path.join(dir, 'backups');
      writeTree(src, { 'CLIENT.V2$': 'records', 'docs/a.rtf': 'letter' });
      await runBackup({ source: src, dest, engine: engineConfig(), log: silentLogger() });
      writeFileSync(path.join(src, 'docs/b.rtf'), 'new');
      const fs = withoutSyncIo(localFs);
      const far = `/${src}`; // "//…": POSIX reads it as the same folder, near-path as a share
      const report = await dryRunBackup({ source: far, dest, engine: engineConfig(), checksum: true, fs });
      expect(report.link.sort()).toEqual(['CLIENT.V2$', 'docs/a.rtf']);
      expect(report.copy.map((c) => c.path)).toEqual(['docs/b.rtf']);
      // The same folder as a local path is hashed through synchronous reads (which the double refuses).
      await expect(dryRunBackup({ source: src, dest, engine: engineConfig(), checksum: true, fs })).rejects.toThrow(
        /synchronous call/,
      );
    },
  );
});
