import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logTimestamp, openRunLog } from '../../../src/log/logger';

const repoRoot = path.resolve(__dirname, '../../..');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avb-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(file: string): Promise<Record<string, unknown>[]> {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('openRunLog', () => {
  it('writes JSON lines to <logDir>/<timestamp>-<runName>.log, creating the folder', async () => {
    const logDir = path.join(dir, 'logs', 'deeper');
    const now = new Date(2026, 10, 26, 2, 0, 5);
    const { logger, file } = openRunLog({ logDir, level: 'info', console: 'off', runName: 'backup', now });
    expect(file).toBe(path.join(logDir, '2026-11-26_020005-backup.log'));
    logger.debug('not at info level');
    logger.child({ component: 'engine' }).info({ files: 3 }, 'copied');
    const written = await lines(file as string);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ msg: 'copied', files: 3, component: 'engine', run: 'backup', level: 30 });
    expect(typeof written[0].time).toBe('string');
  });

  it('never writes a redacted secret to the file', async () => {
    const { logger, file } = openRunLog({ logDir: dir, level: 'debug', console: 'off', runName: 'secret' });
    const secret = 'hunter2-very-secret';
    logger.info({ password: secret }, 'top level');
    logger.info({ smtp: { host: 'mail', auth: { user: 'u', pass: secret } } }, 'nested auth');
    logger.info({ email: { password: secret, user: 'x' } }, 'nested password');
    logger.child({ pass: secret }).warn('child binding');
    logger.info({ config: { alerts: { email: { password: secret } } } }, 'deep config');
    const text = await readFile(file as string, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
    expect(text.trim().split('\n')).toHaveLength(5);
  });

  it('removes our own logs older than keepDays and nothing else', async () => {
    const now = new Date(2026, 10, 26, 2, 0, 0);
    const old = path.join(dir, '2026-08-01_020000-backup.log');
    const recent = path.join(dir, '2026-11-20_020000-backup.log');
    const foreign = path.join(dir, 'notes.log');
    for (const f of [old, recent, foreign]) await writeFile(f, 'x\n');
    const longAgo = new Date(2026, 7, 1);
    await utimes(old, longAgo, longAgo);
    await utimes(foreign, longAgo, longAgo);
    await utimes(recent, new Date(2026, 10, 20), new Date(2026, 10, 20));
    const { removed } = openRunLog({ logDir: dir, level: 'info', console: 'off', runName: 'prune', keepDays: 60, now });
    expect(removed).toEqual([old]);
    expect((await readdir(dir)).sort()).toEqual([
      '2026-11-20_020000-backup.log',
      '2026-11-26_020000-prune.log',
      'notes.log',
    ]);
  });

  it('formats timestamps in local time', () => {
    expect(logTimestamp(new Date(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02_030405');
  });
});

describe('a process that exits right after logging', () => {
  it('loses no line, neither in the file nor on the console', async () => {
    const entry = path.join(dir, 'child.ts');
    await writeFile(
      entry,
      `import { openRunLog } from ${JSON.stringify(path.join(repoRoot, 'src/log/logger.ts'))};
const { logger } = openRunLog({ logDir: process.argv[2], level: 'info', console: process.argv[3] as 'pretty', runName: 'child' });
for (let i = 0; i < 2000; i++) logger.info({ i }, 'line');
logger.error({ password: 'p4ssw0rd-xyz' }, 'last words');
process.exit(3);
`,
    );
    const bundle = path.join(dir, 'child.cjs');
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: bundle,
      logLevel: 'error',
    });
    for (const mode of ['pretty', 'json'] as const) {
      const logDir = path.join(dir, `logs-${mode}`);
      const child = spawnSync(process.execPath, [bundle, logDir, mode], { encoding: 'utf8', cwd: os.tmpdir() });
      expect(child.status).toBe(3);
      const [name] = await readdir(logDir);
      const written = await lines(path.join(logDir, name));
      expect(written).toHaveLength(2001);
      expect(written[2000]).toMatchObject({ msg: 'last words', password: '[REDACTED]' });
      const stderrLines = child.stderr.trim().split('\n');
      expect(stderrLines).toHaveLength(2001);
      expect(stderrLines[2000]).toContain('last words');
      expect(child.stderr).not.toContain('p4ssw0rd-xyz');
      expect(child.stdout).toBe('');
      if (mode === 'pretty') expect(stderrLines[0]).toMatch(/INFO.*line/);
    }
  });
});
