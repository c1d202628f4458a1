// Everything the test suite needs beyond npm packages, installed when missing so that `npm test`
// works on a fresh machine: Debian's rsync, wine, chromium, osslsigncode and openssl (as root, through apt-get), and
// PowerShell 7 (ensure-pwsh.mjs, through dotnet tool install). Under CI a tool that cannot be had
// is a failure; elsewhere it is reported and the tests that need it say so.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** command on PATH → Debian packages that provide it */
const tools = [
  ['rsync', ['rsync']],
  ['wine', ['wine64', 'wine']],
  ['chromium', ['chromium']],
  // the single executables: osslsigncode strips node.exe's signature; openssl makes the signing test's certificate
  ['osslsigncode', ['osslsigncode']],
  ['openssl', ['openssl']],
  // offsite copies: restic is the engine; rclone serves an append-only REST repository on loopback
  ['restic', ['restic']],
  ['rclone', ['rclone']],
];

const missing = tools.filter(([cmd]) => !has(cmd));
if (missing.length > 0) {
  const packages = missing.flatMap(([, pkgs]) => pkgs);
  if (isRoot && has('apt-get')) {
    process.stderr.write(`installing Debian packages for the tests: ${packages.join(' ')}\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install =
      update.status === 0 &&
      spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
    if (install?.status !== 0) process.stderr.write('apt-get failed\n');
  } else {
    process.stderr.write(`missing for some tests: ${packages.join(' ')} (install with apt-get as root)\n`);
  }
  const still = tools.filter(([cmd]) => !has(cmd)).map(([cmd]) => cmd);
  if (still.length > 0 && process.env.CI) {
    process.stderr.write(`CI: required tools are missing: ${still.join(', ')}\n`);
    process.exit(1);
  }
}

const pwsh = spawnSync(process.execPath, [path.join(here, 'ensure-pwsh.mjs')], { stdio: 'inherit' });
process.exit(pwsh.status ?? 1);
