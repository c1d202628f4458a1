/**
 * Bad input campaign, through the real CLI:
 *  - config files that are not JSON, have wrong types, unknown keys, missing or impossible values, and
 *    command lines with unknown flags or missing arguments: exit 2, a message naming the field (or
 *    flag), and NOTHING touched (the destination and the state folder are not created);
 *  - a hostile source tree: backup + verify + restore round trip exact (independent oracle);
 *  - an unreadable file (chmod 000, the backup run as the unprivileged user `nobody` via setpriv,
 *    since root reads anything): a clear error naming the file, nothing committed.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/cli';
import { bundlePath } from '../../helpers/pwsh';
import { diffTrees, hashTree, snapshotDirs } from '../lib/oracle';
import { type CampaignOptions, type TrialResult, cli, run, sparseFile } from '../lib/util';

interface ConfigCase {
  name: string;
  /** The config file's text, from the paths of the trial. */
  text: (p: { source: string; dest: string; stateDir: string }) => string;
  /** What stderr must mention (the field path). */
  names: RegExp;
}

const base = (p: { source: string; dest: string; stateDir: string }, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ source: p.source, destination: p.dest, stateDir: p.stateDir, ...extra });

const CONFIG_CASES: ConfigCase[] = [
  { name: 'not JSON', text: (p) => `{ "source": "${p.source}", `, names: /config|JSON|parse|expected/i },
  { name: 'empty file', text: () => '', names: /config|empty|JSON/i },
  { name: 'a JSON array', text: () => '[]', names: /config|object/i },
  { name: 'wrong type', text: (p) => base(p, { engine: { concurrency: 'four' } }), names: /engine\.concurrency/ },
  { name: 'unknown key', text: (p) => base(p, { sourec: 'x' }), names: /sourec/ },
  { name: 'unknown nested key', text: (p) => base(p, { lockout: { grace: 5 } }), names: /lockout.*grace|grace/ },
  {
    name: 'missing destination',
    text: (p) => JSON.stringify({ source: p.source, stateDir: p.stateDir }),
    names: /destination/,
  },
  {
    name: 'missing source',
    text: (p) => JSON.stringify({ destination: p.dest, stateDir: p.stateDir }),
    names: /source/,
  },
  {
    name: 'negative grace',
    text: (p) => base(p, { lockout: { gracePeriodSeconds: -1 } }),
    names: /lockout\.gracePeriodSeconds/,
  },
  {
    name: 'negative warning time',
    text: (p) => base(p, { lockout: { warnMinutes: [-5] } }),
    names: /lockout\.warnMinutes/,
  },
  { name: 'fractional keepLast', text: (p) => base(p, { retention: { keepLast: 1.5 } }), names: /retention\.keepLast/ },
  { name: 'zero concurrency', text: (p) => base(p, { engine: { concurrency: 0 } }), names: /engine\.concurrency/ },
  { name: 'unknown mode', text: (p) => base(p, { mode: 'turbo' }), names: /mode/ },
  { name: 'relative source', text: (p) => base(p, { source: 'AVImark' }), names: /source/ },
  { name: 'relative destination', text: (p) => base(p, { destination: 'backup' }), names: /destination/ },
  { name: 'relative stateDir', text: (p) => base(p, { stateDir: 'state' }), names: /stateDir/ },
  {
    name: 'destination inside source',
    text: (p) => base(p, { destination: path.join(p.source, 'backup') }),
    names: /destination|inside|source/,
  },
  {
    name: 'source inside destination',
    text: (p) => base(p, { destination: path.dirname(p.source) }),
    names: /destination|inside|source/,
  },
  {
    name: 'source equals destination',
    text: (p) => base(p, { destination: p.source }),
    names: /destination|same|source/,
  },
  { name: 'source does not exist', text: (p) => base(p, { source: `${p.source}-missing` }), names: /source|exist/ },
  {
    name: 'e-mail without recipients',
    text: (p) => base(p, { alerts: { email: { host: 'mail', from: 'a@b.c', to: [] } } }),
    names: /alerts\.email\.to/,
  },
  {
    name: 'port out of range',
    text: (p) => base(p, { alerts: { email: { host: 'mail', port: 70000, from: 'a@b.c', to: ['x@y.z'] } } }),
    names: /alerts\.email\.port/,
  },
  {
    name: 'share name empty',
    text: (p) => base(p, { lockout: { share: { name: '' } } }),
    names: /lockout\.share\.name/,
  },
  {
    name: 'zero shrink limit',
    text: (p) => base(p, { guard: { maxShrinkPercent: 0 } }),
    names: /guard\.maxShrinkPercent/,
  },
  {
    name: 'ransomware extension without its dot',
    text: (p) => base(p, { guard: { ransomware: { extensions: ['akira'] } } }),
    names: /guard\.ransomware\.extensions/,
  },
  {
    name: 'negative sample size',
    text: (p) => base(p, { guard: { ransomware: { sampleFiles: -1 } } }),
    names: /guard\.ransomware\.sampleFiles/,
  },
];

/** Command lines: [args, what stderr must mention]; {config}/{source}/{dest} are replaced. */
const COMMAND_CASES: Array<[string[], RegExp]> = [
  [['backup', '--frobnicate'], /frobnicate|unknown option/],
  [['bakup'], /bakup|unknown command/],
  [['restore'], /id|missing/],
  [['restore', 'latest', '--config', '{config}'], /--to|target|folder/],
  [['verify', '--sample', 'abc', '--config', '{config}'], /sample|percent/],
  [['verify', '--sample', '0', '--config', '{config}'], /sample|percent/],
  [['backup', '--source', '{source}', '--no-lockout'], /dest|destination/],
  [['backup', '--source', '{source}', '--dest', '{dest}'], /config|lockout/],
  [['backup', '--config'], /config|argument|missing/],
  [['report', '--runs', '-3', '--config', '{config}'], /runs/],
  [['accept'], /id|missing/],
  [['accept', '2026-01-01_020000', '--config', '{config}'], /destination|available|snapshot/],
  [['prune', '--id', '2026-01-01_020000', '--config', '{config}'], /destination|available|snapshot/],
];

export async function badInputCampaign(options: CampaignOptions): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  const all = [
    ...CONFIG_CASES.map((c) => ({ kind: 'config' as const, c })),
    ...COMMAND_CASES.map((c) => ({ kind: 'cli' as const, c })),
  ];
  // Every bad config and command line each time (they are cheap); `trials` repeats the hostile tree.
  for (const item of all) {
    const r = item.kind === 'config' ? await configCase(item.c) : await commandCase(item.c[0], item.c[1]);
    results.push(r);
    options.log?.(`  bad-input ${r.name}: ${r.problems.length ? 'FAILED' : 'ok'} ${r.note ?? ''}`);
  }
  const treeTrials = options.short ? 1 : Math.max(1, Math.ceil(options.trials / 5));
  for (let t = 0; t < treeTrials; t += 1) {
    const r = await hostileTree(options);
    results.push(r);
    options.log?.(`  bad-input ${r.name}: ${r.problems.length ? 'FAILED' : 'ok'} ${r.note ?? ''}`);
  }
  const u = await unreadableFile();
  results.push(u);
  options.log?.(`  bad-input ${u.name}: ${u.problems.length ? 'FAILED' : 'ok'} ${u.note ?? ''}`);
  return results;
}

async function untouchedCheck(
  fn: (p: {
    source: string;
    dest: string;
    stateDir: string;
    config: string;
  }) => Promise<{ code: number | null; stderr: string; stdout: string }>,
  names: RegExp,
  label: string,
): Promise<TrialResult> {
  const { dir, cleanup } = await tempDir('avb-torture-bad-');
  const problems: string[] = [];
  let note = '';
  try {
    const p = {
      source: path.join(dir, 'AVImark'),
      dest: path.join(dir, 'backup'),
      stateDir: path.join(dir, 'state'),
      config: path.join(dir, 'config.json'),
    };
    mkdirSync(p.source);
    writeFileSync(path.join(p.source, 'CLIENT.V2$'), 'clients');
    const before = readdirSync(dir).sort().join();
    const r = await fn(p);
    const firstLine = r.stderr.trim().split('\n')[0] ?? '';
    note = `exit ${r.code}: ${firstLine.slice(0, 140)}`;
    if (r.code !== 2) problems.push(`exit ${r.code} (expected 2): ${r.stderr.trim()}`);
    if (!names.test(r.stderr)) problems.push(`the message does not name ${names}: ${r.stderr.trim()}`);
    if (/at .*\.cjs:\d+|unexpected error/.test(r.stderr))
      problems.push(`a stack trace or "unexpected error" instead of a message: ${r.stderr.trim()}`);
    const after = readdirSync(dir)
      .filter((n) => n !== 'config.json')
      .sort()
      .join();
    if (after !== before) problems.push(`something was created: before [${before}] after [${after}]`);
    if (existsSync(p.dest) || existsSync(p.stateDir)) problems.push('the destination or the state folder was created');
    if (readdirSync(p.source).join() !== 'CLIENT.V2$') problems.push('the source was changed');
  } finally {
    await cleanup();
  }
  return { campaign: 'bad-input', name: label, problems, note };
}

function configCase(c: ConfigCase): Promise<TrialResult> {
  return untouchedCheck(
    async (p) => {
      writeFileSync(p.config, c.text(p));
      return cli(['backup', '--config', p.config]);
    },
    c.names,
    `config: ${c.name}`,
  );
}

function commandCase(args: string[], names: RegExp): Promise<TrialResult> {
  return untouchedCheck(
    async (p) => {
      writeFileSync(p.config, JSON.stringify({ source: p.source, destination: p.dest, stateDir: p.stateDir }));
      return cli(
        args.map((a) => a.replace('{config}', p.config).replace('{source}', p.source).replace('{dest}', p.dest)),
      );
    },
    names,
    `command line: ${args.join(' ')}`,
  );
}

/** The hostile names and shapes of issue 7; returns what it made (for the report). */
function writeHostileTree(root: string, options: CampaignOptions): string[] {
  const made: string[] = [];
  const file = (rel: string, content: string | Buffer = `content of ${rel}`) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
    made.push(rel);
  };
  mkdirSync(root, { recursive: true });
  for (const name of [
    '$dollar$.V2$',
    "it's.txt",
    'say "hi".txt',
    'back`tick`.txt',
    '$(touch CANARY).txt',
    '‘single’ “double”.txt',
    'Ünïcödé ñame 日本語.txt',
    'trailing dot.',
    'trailing space ',
    'CON',
    'NUL',
    'COM1.txt',
    'aux.V2$',
    'semi;colon&amp|pipe.txt',
    'new\nline.txt',
    ' leading space.txt',
    'UPPER.txt',
    'upper.txt',
  ])
    file(name);
  file('zero-byte.dat', '');
  // A path over 260 characters (and a component of 200).
  file(`${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(60)}/${'g'.repeat(60)}/${'long'.repeat(50)}.txt`);
  // 100 levels of nesting.
  let deep = 'deep';
  for (let i = 0; i < 99; i += 1) deep += `/${i}`;
  file(`${deep}/bottom.txt`);
  // Symlink loops and a link out of the tree: recorded, never followed.
  symlinkSync('loop-b', path.join(root, 'loop-a'));
  symlinkSync('loop-a', path.join(root, 'loop-b'));
  symlinkSync('..', path.join(root, 'parent-link'));
  symlinkSync('/etc', path.join(root, 'etc-link'));
  made.push('loop-a', 'loop-b', 'parent-link', 'etc-link');
  if (!options.short) {
    // Over 4 GiB, sparse (truncate; nothing written): a real 4.5 GiB read for the engine.
    sparseFile(path.join(root, 'huge-sparse.V2$'), 4.5 * 1024 ** 3);
    made.push('huge-sparse.V2$');
  }
  return made;
}

async function hostileTree(options: CampaignOptions): Promise<TrialResult> {
  const { dir, cleanup } = await tempDir('avb-torture-hostile-');
  const problems: string[] = [];
  let note = '';
  try {
    const source = path.join(dir, 'AVImark');
    const dest = path.join(dir, 'backup');
    const restored = path.join(dir, 'restored');
    const made = writeHostileTree(source, options);
    const expected = hashTree(source);
    const b = await cli(['backup', '--source', source, '--dest', dest, '--no-lockout', '--json'], {
      timeoutMs: 600_000,
    });
    if (b.code !== 0) problems.push(`backup exit ${b.code}: ${b.stderr.trim()}`);
    const id = snapshotDirs(dest).at(-1) ?? '';
    if (id) {
      for (const d of diffTrees(expected, hashTree(path.join(dest, 'snapshots', id)), 30))
        problems.push(`snapshot: ${d}`);
      const v = await cli(['verify', id, '--dest', dest], { timeoutMs: 600_000 });
      if (v.code !== 0) problems.push(`verify exit ${v.code}: ${v.stderr.trim() || v.stdout.trim()}`);
      const r = await cli(['restore', id, '--dest', dest, '--to', restored], { timeoutMs: 600_000 });
      if (r.code !== 0) problems.push(`restore exit ${r.code}: ${r.stderr.trim()}`);
      else for (const d of diffTrees(expected, hashTree(restored), 30)) problems.push(`restored: ${d}`);
      if (existsSync(path.join(dir, 'CANARY')) || existsSync(path.join(process.cwd(), 'CANARY')))
        problems.push('a CANARY file appeared: a name was executed');
      if (
        !options.short &&
        existsSync(path.join(restored, 'huge-sparse.V2$')) &&
        statSync(path.join(restored, 'huge-sparse.V2$')).size !== 4.5 * 1024 ** 3
      )
        problems.push('the huge file was restored with the wrong size');
    }
    note = `${made.length} hostile entries${options.short ? ' (no 4.5 GiB sparse file in the short version)' : ' incl. a 4.5 GiB sparse file'}`;
  } finally {
    await cleanup();
  }
  return { campaign: 'bad-input', name: 'hostile source tree: backup + verify + restore round trip', problems, note };
}

/** chmod 000 means nothing to root: run the backup as `nobody` (setpriv) so the kernel really refuses. */
async function unreadableFile(): Promise<TrialResult> {
  const { dir, cleanup } = await tempDir('avb-torture-eacces-');
  const problems: string[] = [];
  let note = '';
  try {
    const source = path.join(dir, 'AVImark');
    const dest = path.join(dir, 'backup');
    mkdirSync(source);
    writeFileSync(path.join(source, 'CLIENT.V2$'), 'clients');
    writeFileSync(path.join(source, 'SECRET.V2$'), 'no one may read this');
    const nobody = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
    const nogroup = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
    // The bundle needs only Node built-ins: a copy inside the test folder is readable by nobody wherever the
    // checkout lives (a clone in a 0700 folder would otherwise make this trial fail for the wrong reason).
    const bundle = path.join(dir, 'avimark-backup.cjs');
    copyFileSync(bundlePath, bundle);
    for (const p of [dir, source, bundle, path.join(source, 'CLIENT.V2$'), path.join(source, 'SECRET.V2$')])
      chownSync(p, nobody, nogroup);
    chmodSync(path.join(source, 'SECRET.V2$'), 0o000);
    const r = await run(
      'setpriv',
      [
        '--reuid',
        String(nobody),
        '--regid',
        String(nogroup),
        '--clear-groups',
        process.execPath,
        bundle,
        'backup',
        '--source',
        source,
        '--dest',
        dest,
        '--no-lockout',
      ],
      { env: { HOME: dir } },
    );
    note = `as nobody (setpriv): exit ${r.code}: ${r.stderr.trim().split('\n')[0]?.slice(0, 140)}`;
    if (r.code !== 1) problems.push(`exit ${r.code} (expected 1): ${r.stderr.trim()}`);
    if (!r.stderr.includes('SECRET.V2$')) problems.push(`the error does not name SECRET.V2$: ${r.stderr.trim()}`);
    if (snapshotDirs(dest).length > 0) problems.push('a snapshot was committed without SECRET.V2$');
  } finally {
    await cleanup();
  }
  return { campaign: 'bad-input', name: 'unreadable file (chmod 000, run as nobody)', problems, note };
}
