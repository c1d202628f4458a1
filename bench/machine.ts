import { spawnSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import os from 'node:os';
import type { MachineDescription } from './report';

/** `nodeVersion`: the version of the Node that runs avimark-backup (this one's unless `bench --node` says otherwise). */
export function describeMachine(workDir: string, nodeVersion: string = process.version): MachineDescription {
  const cpus = os.cpus();
  let diskFreeBytes: number | null = null;
  try {
    const st = statfsSync(workDir);
    diskFreeBytes = st.bavail * st.bsize;
  } catch {
    diskFreeBytes = null;
  }
  const fsType = spawnSync('stat', ['-f', '-c', '%T', workDir], { encoding: 'utf8' });
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    diskFreeBytes,
    filesystem: fsType.status === 0 ? fsType.stdout.trim() : null,
    node: nodeVersion,
    os: `${os.type()} ${os.release()}`,
    rsync: rsyncVersion(),
  };
}

export function rsyncVersion(): string | null {
  const r = spawnSync('rsync', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0 || r.error) return null;
  const m = /rsync\s+version\s+(\S+)/.exec(r.stdout);
  return m ? `rsync ${m[1]}` : 'rsync';
}

/**
 * Makes sure rsync is there: installs it with apt-get when running as root on Debian/Ubuntu,
 * otherwise says which command to run. Returns the version, or null if still missing.
 */
export function ensureRsync(log: (line: string) => void): string | null {
  const have = rsyncVersion();
  if (have) return have;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (isRoot && hasApt) {
    log('rsync is missing: running apt-get install -y rsync');
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', 'rsync'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return rsyncVersion();
  }
  log('rsync is missing: install it with `sudo apt-get install -y rsync` (Debian/Ubuntu); rsync figures are skipped.');
  return null;
}
