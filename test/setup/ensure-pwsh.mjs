// Makes sure PowerShell 7 is available for the tests: on PATH, or in .tools/pwsh, or installed
// there with `dotnet tool install` when the .NET SDK is present. Under CI a missing pwsh is a
// failure, never a silent skip. Prints the path it found.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const toolDir = path.join(root, '.tools', 'pwsh');
const local = path.join(toolDir, process.platform === 'win32' ? 'pwsh.exe' : 'pwsh');
const PWSH_VERSION = '7.6.9';

function works(exe) {
  const r = spawnSync(exe, ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.Major'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.status === 0 && Number(r.stdout.trim()) >= 7;
}

export function findPwsh() {
  if (process.env.AVIMARK_TEST_PWSH && works(process.env.AVIMARK_TEST_PWSH)) return process.env.AVIMARK_TEST_PWSH;
  if (existsSync(local) && works(local)) return local;
  if (works('pwsh')) return 'pwsh';
  return null;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let found = findPwsh();
  if (!found) {
    const dotnet = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
    if (dotnet.status === 0) {
      process.stderr.write(`installing PowerShell ${PWSH_VERSION} into ${toolDir} (dotnet tool install)\n`);
      execFileSync('dotnet', ['tool', 'install', 'PowerShell', '--version', PWSH_VERSION, '--tool-path', toolDir], {
        stdio: 'inherit',
      });
      found = findPwsh();
    }
  }
  if (!found) {
    process.stderr.write(
      'PowerShell 7 (pwsh) is required by the tests and could not be found or installed.\n' +
        `Install it with: dotnet tool install PowerShell --version ${PWSH_VERSION} --tool-path .tools/pwsh\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`pwsh: ${found}\n`);
}
