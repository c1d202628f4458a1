import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { NODE_FLAGS } from '../../../build/node-flags.mjs';
import { SEA_NODE_VERSION, peChecksum, seaConfig, signArgs, signingFromEnv } from '../../../build/sea.mjs';

describe('seaConfig', () => {
  it('makes a portable blob with no warning, the collector flags of node-flags.mjs and no NODE_OPTIONS extension', () => {
    expect(seaConfig('/b/app.cjs', '/b/prep.blob')).toEqual({
      main: '/b/app.cjs',
      output: '/b/prep.blob',
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: false,
      execArgv: [...NODE_FLAGS],
      execArgvExtension: 'none',
    });
  });

  it('gives flags this Node accepts (a bad one would stop the executable at start; the build runs it once)', () => {
    const script = `process.stdout.write(JSON.stringify(process.execArgv.slice(0, ${NODE_FLAGS.length})))`;
    const run = spawnSync(process.execPath, [...NODE_FLAGS, '-e', script]);
    expect(run.stderr.toString()).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.toString())).toEqual(NODE_FLAGS);
    expect(spawnSync(process.execPath, ['--max-semi-space-size=eight', '-e', '0']).status).not.toBe(0);
  });
});

describe('SEA_NODE_VERSION', () => {
  it('is an exact version on a supported LTS line (22: until 2027-04-30)', () => {
    expect(SEA_NODE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(SEA_NODE_VERSION.split('.')[0])).toBeGreaterThanOrEqual(22);
  });
});

describe('signingFromEnv', () => {
  it('is null when no certificate is configured', () => {
    expect(signingFromEnv({})).toBeNull();
    expect(signingFromEnv({ AVIMARK_SIGN_CERT: '', AVIMARK_SIGN_KEY: '' })).toBeNull();
  });

  it('refuses half a configuration, naming the missing variable', () => {
    expect(() => signingFromEnv({ AVIMARK_SIGN_CERT: '/c.pem' })).toThrow(/only AVIMARK_SIGN_CERT is set/);
    expect(() => signingFromEnv({ AVIMARK_SIGN_KEY: '/k.pem' })).toThrow(/only AVIMARK_SIGN_KEY is set/);
  });

  it('reads the optional password file and time-stamp server', () => {
    expect(
      signingFromEnv({
        AVIMARK_SIGN_CERT: '/c.pem',
        AVIMARK_SIGN_KEY: '/k.pem',
        AVIMARK_SIGN_PASS_FILE: '/p.txt',
        AVIMARK_SIGN_TIMESTAMP_URL: 'http://ts.example',
      }),
    ).toEqual({ cert: '/c.pem', key: '/k.pem', passFile: '/p.txt', timestampUrl: 'http://ts.example' });
  });
});

describe('signArgs', () => {
  it('signs with SHA-256 and passes the password only as a file', () => {
    const args = signArgs(
      { cert: '/c.pem', key: '/k.pem', passFile: '/p.txt', timestampUrl: null },
      'in.exe',
      'out.exe',
    );
    expect(args.slice(0, 5)).toEqual(['sign', '-certs', '/c.pem', '-key', '/k.pem']);
    expect(args.join(' ')).toContain('-h sha256');
    expect(args.join(' ')).toContain('-readpass /p.txt');
    expect(args).not.toContain('-pass');
    expect(args).not.toContain('-ts');
    expect(args.slice(-4)).toEqual(['-in', 'in.exe', '-out', 'out.exe']);
  });

  it('adds an RFC 3161 time stamp when a server is configured', () => {
    const args = signArgs({ cert: 'c', key: 'k', passFile: null, timestampUrl: 'http://ts.example' }, 'i', 'o');
    expect(args.join(' ')).toContain('-ts http://ts.example');
    expect(args).not.toContain('-readpass');
  });
});

/** A minimal PE32+ header: MZ, e_lfanew = 0x40, "PE\0\0", then a zeroed file header and optional header. */
function tinyPe(extra: number[]): Buffer {
  const image = Buffer.alloc(0x40 + 24 + 240 + extra.length);
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE(0x40, 0x3c);
  image.write('PE\0\0', 0x40, 'latin1');
  Buffer.from(extra).copy(image, 0x40 + 24 + 240);
  return image;
}

describe('peChecksum', () => {
  it('adds the 16-bit words (folding carries) and the file length, skipping the checksum field', () => {
    const image = tinyPe([0xff, 0xff, 0x02, 0x00, 0x07]);
    const base = tinyPe([]);
    // words of the header: "MZ" = 0x5a4d, e_lfanew 0x0040, "PE" = 0x4550; then 0xffff + 0x0002 + odd byte 0x07.
    let sum = 0x5a4d + 0x0040 + 0x4550 + 0xffff + 0x0002 + 0x0007;
    sum = (sum & 0xffff) + (sum >>> 16);
    expect(peChecksum(image)).toBe(sum + image.length);
    // Whatever is in the checksum field itself does not count.
    image.writeUInt32LE(0xdeadbeef, 0x40 + 24 + 64);
    expect(peChecksum(image)).toBe(sum + image.length);
    expect(peChecksum(base)).toBe(0x5a4d + 0x0040 + 0x4550 + base.length);
  });

  it('rejects something that is not a PE image', () => {
    expect(() => peChecksum(Buffer.from('#!/bin/sh\n'.padEnd(400, ' ')))).toThrow(/not a PE image/);
  });
});
