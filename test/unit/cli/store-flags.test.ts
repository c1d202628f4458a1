import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSamplePercent } from '../../../src/cli/commands/verify';
import { formatBytes } from '../../../src/format/bytes';
import { progressTicker } from '../../../src/cli/command-log';
import { resolveSettings, resolveStoreSettings } from '../../../src/cli/settings';
import { UsageError } from '../../../src/errors';

describe('parseSamplePercent', () => {
  it.each([
    [undefined, 100],
    ['5', 5],
    ['12.5%', 12.5],
    ['100', 100],
  ])('%s → %d', (input, expected) => {
    expect(parseSamplePercent(input)).toBe(expected);
  });

  it.each(['0', '-3', '101', 'lots', ''])('refuses %j', (input) => {
    expect(() => parseSamplePercent(input)).toThrow(UsageError);
  });
});

describe('settings from flags', () => {
  it('resolves relative flag paths against the current folder and applies the schema defaults', async () => {
    const s = await resolveSettings({ source: 'live', dest: 'backups' }, '/work/x');
    expect(s.source).toBe(path.resolve('/work/x/live'));
    expect(s.destination).toBe(path.resolve('/work/x/backups'));
    expect(s.retention.keepDaily).toBe(14);
    expect(s.configFile).toBeNull();
  });

  it('backup needs a source; store commands do not', async () => {
    await expect(resolveSettings({ dest: '/b' })).rejects.toThrow(/--source DIR and --dest DIR/);
    expect((await resolveStoreSettings({ dest: '/b' })).source).toBeNull();
    await expect(resolveStoreSettings({})).rejects.toThrow(/--config FILE or --dest DIR/);
  });

  it('with --config, flags override the file and the result is checked again', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-flags-'));
    try {
      const file = path.join(dir, 'c.jsonc');
      await writeFile(
        file,
        JSON.stringify({ source: '/live/AVImark', destination: '/backup', retention: { keepLast: 2 } }),
      );
      const s = await resolveStoreSettings({ config: file, dest: '/elsewhere' });
      expect(s.destination).toBe(path.resolve('/elsewhere'));
      expect(s.retention.keepLast).toBe(2);
      expect(s.configFile).toBe(file);
      await expect(resolveSettings({ config: file, dest: '/live/AVImark/bk' })).rejects.toThrow(
        /destination: is inside source/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses overlapping flag paths like a config file would', async () => {
    await expect(resolveSettings({ source: '/data/avimark', dest: '/data/avimark/bk' })).rejects.toThrow(
      /destination: is inside source/,
    );
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });
});

describe('progressTicker', () => {
  it('draws a live line on a terminal only, and nothing under --json', () => {
    const written: string[] = [];
    const stream = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const tick = progressTicker('restoring X', { json: false, totalBytes: 4 * 1024 * 1024, intervalMs: 0, stream });
    tick({ files: 3, bytes: 2 * 1024 * 1024 });
    expect(written).toHaveLength(1);
    expect(written[0].startsWith('\rrestoring X: 3 files, 2.0 MiB of 4.0 MiB (50%), ')).toBe(true);
    expect(written[0]).toMatch(/\/s, ETA \S+/);
    expect(written[0].endsWith('\x1b[K')).toBe(true);
    const quiet = progressTicker('x', { json: true, intervalMs: 0, stream });
    quiet({ files: 1, bytes: 1 });
    const notTerminal = progressTicker('x', {
      json: false,
      intervalMs: 0,
      stream: { write: stream.write } as NodeJS.WritableStream,
    });
    notTerminal({ files: 1, bytes: 1 });
    const slow = progressTicker('x', { json: false, intervalMs: 60_000, stream });
    slow({ files: 1, bytes: 1 });
    slow({ files: 2, bytes: 2 });
    expect(written).toHaveLength(2);
  });
});
