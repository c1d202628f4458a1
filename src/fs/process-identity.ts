import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors';

/**
 * Who owns a run lock or a lockout journal: enough to tell the owner from an unrelated process that
 * was later handed the same PID (Windows reuses freed PIDs quickly). Issue 13 §1.
 */
export interface ProcessIdentity {
  pid: number;
  /**
   * When the process was created, as a token compared for equality:
   *   Linux:   "linux:<boot id>:<starttime>" (/proc/<pid>/stat field 22, clock ticks since that boot);
   *   Windows: "utc:<ISO time>" (compared within CREATED_TOLERANCE_MS, see windowsProbe).
   * Null when it could not be read (then only the PID and the image name are compared).
   */
  createdAt: string | null;
  /** The executable's file name without ".exe", lowercase ("avimark-backup", "node"). Null when unknown. */
  image: string | null;
}

/** What a probe of one PID on this machine found. */
export type ProbeResult =
  | { state: 'gone' }
  /** A process has the PID; what could be read of it (null fields: access denied or not readable). */
  | { state: 'exists'; createdAt: string | null; image: string | null };

export type ProcessProbe = (pid: number) => ProbeResult;

/** Node measures its uptime from its own start, a little after the process was created. */
const CREATED_TOLERANCE_MS = 5_000;

function imageOf(file: string): string {
  return path
    .basename(file)
    .replace(/\.exe$/i, '')
    .toLowerCase();
}

function linuxBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Linux: /proc/<pid>/stat gives the start time in ticks since boot (field 22); /proc/<pid>/exe the executable. */
function linuxProbe(pid: number): ProbeResult {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ESRCH') return { state: 'gone' };
    return { state: 'exists', createdAt: null, image: null };
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const starttime = fields[19]; // field 22 overall; fields[0] is field 3 (state)
  let image: string | null = null;
  try {
    image = imageOf(readlinkSync(`/proc/${pid}/exe`)); // the executable (the command name can be changed by the process)
  } catch {
    // another user's process: the start time still tells
  }
  return { state: 'exists', createdAt: starttime ? `linux:${linuxBootId()}:${starttime}` : null, image };
}

/**
 * Windows: Node has no API for another process's creation time, so Windows PowerShell is asked
 * (Get-Process: StartTime and ProcessName; the PID crosses in the environment, never as code). As
 * SYSTEM, StartTime of a protected process is "access denied": createdAt is then null and only the
 * image name can tell it apart (docs/windows-validation.md §1).
 */
function windowsProbe(pid: number): ProbeResult {
  const ps = path.join(
    process.env.SystemRoot ?? 'C:\\Windows',
    'System32',
    'WindowsPowerShell',
    'v1.0',
    'powershell.exe',
  );
  const script = [
    '$p = Get-Process -Id ([int]$env:AVB_PROBE_PID) -ErrorAction SilentlyContinue',
    "if ($null -eq $p) { 'gone'; exit 0 }",
    "$t = ''; try { $t = $p.StartTime.ToUniversalTime().ToString('o') } catch { }",
    '"exists|$($p.ProcessName)|$t"',
  ].join('\n');
  const r = spawnSync(ps, ['-NoProfile', '-NonInteractive', '-Command', script], {
    env: { ...process.env, AVB_PROBE_PID: String(pid) },
    encoding: 'utf8',
    timeout: 60_000,
    windowsHide: true,
  });
  const out = (r.stdout ?? '').trim();
  if (out === 'gone') return { state: 'gone' };
  const [state, name, created] = out.split('|');
  if (state !== 'exists') return { state: 'exists', createdAt: null, image: null }; // the probe failed: it may be ours
  return { state: 'exists', createdAt: created ? `utc:${created}` : null, image: name ? name.toLowerCase() : null };
}

/** Whether anything has the PID at all (process.kill(pid, 0): EPERM means "exists, not ours to signal"). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** The probe of this platform: what has `pid` now. */
export function systemProbe(pid: number): ProbeResult {
  if (!pidExists(pid)) return { state: 'gone' };
  if (process.platform === 'linux') return linuxProbe(pid);
  if (process.platform === 'win32') return windowsProbe(pid);
  return { state: 'exists', createdAt: null, image: null };
}

/** This process's identity, recorded in the run lock and the lockout journal. */
export function ownIdentity(): ProcessIdentity {
  if (process.platform === 'linux') {
    const seen = linuxProbe(process.pid);
    if (seen.state === 'exists') return { pid: process.pid, createdAt: seen.createdAt, image: seen.image };
  }
  const created = new Date(Date.now() - process.uptime() * 1000).toISOString();
  return { pid: process.pid, createdAt: `utc:${created}`, image: imageOf(process.execPath) };
}

/** The identity of the process that has `pid` now (null when none has it): what a record of it would hold. */
export function identityOf(pid: number, probe: ProcessProbe = systemProbe): ProcessIdentity | null {
  const seen = probe(pid);
  return seen.state === 'gone' ? null : { pid, createdAt: seen.createdAt, image: seen.image };
}

function sameCreation(recorded: string, seen: string): boolean {
  if (recorded.startsWith('utc:') && seen.startsWith('utc:')) {
    const a = Date.parse(recorded.slice(4));
    const b = Date.parse(seen.slice(4));
    return !Number.isNaN(a) && !Number.isNaN(b) && Math.abs(a - b) <= CREATED_TOLERANCE_MS;
  }
  return recorded === seen;
}

/**
 * Whether the process recorded as `owner` (on this machine) is still running: something has its PID
 * AND, as far as they can be read, the same creation time and image name. A PID handed to an
 * unrelated process, or one the probe may not look at (EPERM) with a different identity, is not the owner.
 * A record without identity (written by an older version) can only be checked by its PID.
 */
export function ownerAlive(
  owner: Partial<ProcessIdentity> & { pid: number },
  probe: ProcessProbe = systemProbe,
): boolean {
  const seen = probe(owner.pid);
  if (seen.state === 'gone') return false;
  if (owner.createdAt && seen.createdAt && !sameCreation(owner.createdAt, seen.createdAt)) return false;
  if (owner.image && seen.image && owner.image !== seen.image) return false;
  return true; // the same process, or one whose identity could not be read (then it may be ours)
}
