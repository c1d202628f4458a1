import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidConfigError,
  isSameOrInside,
  loadConfig,
  parseConfigText,
  settingsFromInput,
  storeSettingsFromInput,
} from '../../../src/config/load';
import { ExitCode } from '../../../src/errors';

function problemsOf(fn: () => unknown): { field: string; problem: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect((err as InvalidConfigError).exitCode).toBe(ExitCode.Usage);
    return (err as InvalidConfigError).problems;
  }
  throw new Error('expected an InvalidConfigError');
}

const linux = { platform: 'linux' as const, env: {} };

describe('settingsFromInput', () => {
  it('accepts step timeouts that fit inside lockout.maxLockoutMinutes, refuses those that do not, naming the fields', () => {
    const base = { source: '/srv/avimark', destination: '/backup' };
    const fits = { gracePeriodSeconds: 30, serviceTimeoutSeconds: 60, maxLockoutMinutes: 2 };
    expect(settingsFromInput({ ...base, lockout: fits }, null, linux).lockout.maxLockoutMinutes).toBe(2);
    const tooSmall = { gracePeriodSeconds: 60, serviceTimeoutSeconds: 120, maxLockoutMinutes: 0.5 };
    const problems = problemsOf(() => settingsFromInput({ ...base, lockout: tooSmall }, null, linux));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.field).toBe('lockout.maxLockoutMinutes');
    expect(problems[0]?.problem).toMatch(
      /lockout\.gracePeriodSeconds \(60\) \+ lockout\.serviceTimeoutSeconds \(120\) = 180 s.*raise lockout\.maxLockoutMinutes or lower/,
    );

    // Services stop one after another, each up to serviceTimeoutSeconds: 30 + 3 × 60 = 210 s > 2 minutes.
    const three = { ...fits, services: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] };
    expect(problemsOf(() => settingsFromInput({ ...base, lockout: three }, null, linux))[0]?.problem).toMatch(
      /lockout\.gracePeriodSeconds \(30\) \+ 3 services × lockout\.serviceTimeoutSeconds \(60\) = 210 s/,
    );
  });

  it('fills defaults, including those that depend on other fields', () => {
    const s = settingsFromInput({ source: '/srv/avimark', destination: '/backup' }, null, linux);
    expect(s.stateDir).toBe('/var/lib/avimark-backup');
    expect(s.logging.dir).toBe('/var/lib/avimark-backup/logs');
    expect(s.lockout.executables).toEqual([{ path: '/srv/avimark/avimark.exe', optional: false }]);
    expect(s.lockout.services).toEqual([{ name: 'AVImarkServer', optional: false }]);
    expect(s.retention.keepLast).toBe(7);
    expect(s.configFile).toBeNull();
  });

  it('uses %ProgramData% on Windows and AVIMARK_BACKUP_STATE_DIR when set', () => {
    const win = settingsFromInput({ source: '/a', destination: '/b' }, null, {
      platform: 'win32',
      env: { ProgramData: 'D:\\PD' },
    });
    expect(win.stateDir).toBe('D:\\PD\\avimark-backup');
    expect(win.logging.dir).toBe('D:\\PD\\avimark-backup\\logs');
    const env = settingsFromInput({ source: '/a', destination: '/b' }, null, {
      platform: 'linux',
      env: { AVIMARK_BACKUP_STATE_DIR: '/tmp/st' },
    });
    expect(env.stateDir).toBe('/tmp/st');
  });

  it('keeps explicit values for the dependent defaults', () => {
    const s = settingsFromInput(
      { source: '/a', destination: '/b', stateDir: '/s', logging: { dir: '/l' }, lockout: { executables: [] } },
      null,
      linux,
    );
    expect(s.logging.dir).toBe('/l');
    expect(s.lockout.executables).toEqual([]);
  });

  it('lists every problem with its full field path', () => {
    const problems = problemsOf(() =>
      settingsFromInput(
        {
          source: 'relative/dir',
          destination: 42,
          bogus: true,
          lockout: {
            gracePeriodSeconds: -5,
            services: [{ name: 'ok' }, { nam: 'typo' }],
            share: { name: 'x', method: 'zap' },
          },
          engine: { concurrency: 'four' },
        },
        '/etc/avb.jsonc',
        linux,
      ),
    );
    const byField = Object.fromEntries(problems.map((p) => [p.field, p.problem]));
    expect(byField.source).toMatch(/absolute path/);
    expect(byField.destination).toMatch(/expected a string, got 42/);
    expect(byField.bogus).toMatch(/not a known field/);
    expect(byField['lockout.gracePeriodSeconds']).toMatch(/zero or more.*-5/);
    expect(byField['lockout.services[1].name']).toMatch(/is required/);
    expect(byField['lockout.services[1].nam']).toMatch(/not a known field/);
    expect(byField['lockout.share.method']).toMatch(/"sddl", "remove"/);
    expect(byField['engine.concurrency']).toMatch(/expected a number/);
    expect(problems).toHaveLength(8);
  });

  it('refuses a drill command whose program is not an absolute path (it would run as SYSTEM in restored data)', () => {
    const problems = problemsOf(() =>
      settingsFromInput(
        { source: '/srv/avimark', destination: '/backup', drill: { command: ['check.exe', '{dir}'] } },
        null,
        linux,
      ),
    );
    expect(problems).toEqual([expect.objectContaining({ field: 'drill.command' })]);
    expect(problems[0].problem).toMatch(/absolute path/);
    const ok = settingsFromInput(
      { source: '/srv/avimark', destination: '/backup', drill: { command: ['/usr/bin/check', '{dir}'] } },
      null,
      linux,
    );
    expect(ok.drill.command).toEqual(['/usr/bin/check', '{dir}']);
  });

  it('names a missing required field', () => {
    expect(problemsOf(() => settingsFromInput({ destination: '/b' }, null, linux))).toEqual([
      { field: 'source', problem: 'is required (expected a string)' },
    ]);
  });

  it.each([
    ['/data/avimark', '/data/avimark/backup', /inside source/],
    ['/data/avimark/live', '/data/avimark', /contains source/],
    ['/data/avimark', '/data/avimark/', /same folder/],
    ['/data/avimark', '/data/avimark/sub/../', /same folder/],
  ])('refuses source %s with destination %s', (source, destination, message) => {
    const problems = problemsOf(() => settingsFromInput({ source, destination }, null, linux));
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('destination');
    expect(problems[0].problem).toMatch(message);
  });

  it('allows siblings that share a name prefix', () => {
    expect(() =>
      settingsFromInput({ source: '/data/avimark', destination: '/data/avimark-backup' }, null, linux),
    ).not.toThrow();
  });
});

describe('isSameOrInside', () => {
  it('compares case-insensitively on Windows only', () => {
    expect(isSameOrInside('C:\\AVImark\\Backup', 'c:\\avimark', 'win32')).toBe(true);
    expect(isSameOrInside('C:\\AVImarkBackup', 'C:\\AVImark', 'win32')).toBe(false);
    expect(isSameOrInside('/Data/x', '/data', 'linux')).toBe(false);
    expect(isSameOrInside('/data/x', '/data', 'linux')).toBe(true);
  });
});

describe('parseConfigText', () => {
  it('accepts comments and trailing commas', () => {
    expect(parseConfigText('// c\n{ /* x */ "a": 1, }\n', 'f')).toEqual({ a: 1 });
  });

  it('names line and column of a syntax error', () => {
    const problems = problemsOf(() => parseConfigText('{\n  "a": 1\n  "b": 2\n}', 'f'));
    expect(problems[0].field).toBe('(line 3, column 3)');
    expect(problems[0].problem).toMatch(/expected ","/);
  });

  it('explains an unescaped Windows backslash', () => {
    const problems = problemsOf(() => parseConfigText('{ "source": "C:\\AVImark" }', 'f'));
    expect(problems[0].problem).toMatch(/backslash/);
  });

  it('requires an object at the top', () => {
    expect(problemsOf(() => parseConfigText('[1]', 'f'))[0].field).toBe('(root)');
    expect(problemsOf(() => parseConfigText('', 'f'))[0].problem).toMatch(/not valid JSON/);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'avb-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a commented file with a BOM and records where it came from', async () => {
    const file = path.join(dir, 'ok.jsonc');
    await writeFile(
      file,
      `\ufeff{\n  // the live folder\n  "source": "${dir}/live",\n  "destination": "${dir}/dest",\n}\n`,
    );
    const s = await loadConfig(file, linux);
    expect(s.source).toBe(`${dir}/live`);
    expect(s.configFile).toBe(file);
  });

  it('reads UTF-16 files (what Windows PowerShell 5.1 redirection writes)', async () => {
    const json = `{ "source": "${dir}/live", "destination": "${dir}/dest" }`;
    const le = path.join(dir, 'le.jsonc');
    await writeFile(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]));
    expect((await loadConfig(le, linux)).source).toBe(`${dir}/live`);
    const be = path.join(dir, 'be.jsonc');
    const body = Buffer.from(json, 'utf16le');
    body.swap16();
    await writeFile(be, Buffer.concat([Buffer.from([0xfe, 0xff]), body]));
    expect((await loadConfig(be, linux)).destination).toBe(`${dir}/dest`);
  });

  it('names a missing file', async () => {
    await expect(loadConfig(path.join(dir, 'nope.json'))).rejects.toThrow(/does not exist/);
  });

  it('storeSettingsFromInput (flags-only store commands) does not need a source', () => {
    const s = storeSettingsFromInput({ destination: '/dest' }, null, linux);
    expect(s.source).toBeNull();
    expect(s.lockout.executables).toEqual([]);
    expect(s.logging.dir).toBe('/var/lib/avimark-backup/logs');
  });
});

describe('a path changed by a JSON escape', () => {
  it.each([
    ['"D:\\new"', 'destination', '"\\n" in this path is a JSON escape (a newline)', '"D:\\\\new" or "D:/new"'],
    [
      '"C:\\tmp\\\\AVImark"',
      'stateDir',
      '"\\t" in this path is a JSON escape (a tab)',
      '"C:\\\\tmp\\\\AVImark" or "C:/tmp/AVImark"',
    ],
    [
      '"C:\\\\AVImark\\rx"',
      'source',
      '"\\r" in this path is a JSON escape (a carriage return)',
      '"C:\\\\AVImark\\\\rx" or "C:/AVImark/rx"',
    ],
  ])('%s is refused, naming the field, the escape and how to write it', (written, field, escaped, fix) => {
    const others: Record<string, string> = { source: '"C:\\\\AVImark"', destination: '"E:\\\\Backups"' };
    others[field] = written;
    const text = `{ ${Object.entries(others)
      .map(([k, v]) => `"${k}": ${v}`)
      .join(', ')} }`;
    const problems = problemsOf(() => parseConfigText(text, 'config.json'));
    expect(problems).toEqual([{ field, problem: expect.stringContaining(escaped) }]);
    expect(problems[0].problem).toContain(`write ${fix}`);
  });

  it('names the field deep inside the config, and leaves messages with newlines alone', () => {
    const text =
      '{ "lockout": { "executables": [{ "path": "C:\\\\AVImark\\\\bin\\new.exe" }], "backMessage": "Done.\\nAVImark is back." } }';
    const problems = problemsOf(() => parseConfigText(text, 'config.json'));
    expect(problems.map((p) => p.field)).toEqual(['lockout.executables[0].path']);
    expect(() => parseConfigText('{ "lockout": { "backMessage": "Done.\\nBack." } }', 'x')).not.toThrow();
  });
});
