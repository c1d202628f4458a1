import { randomUUID } from 'node:crypto';
import { cp, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, errorMessage } from '../../errors';
import { joinRelative } from '../../fs/join-relative';
import {
  HostError,
  type AclCapture,
  type AclEntry,
  type AclReadBack,
  type ListedShadowCopy,
  type ShadowCopyInfo,
} from '../types';
import { isUnder, same } from './names';
import { MEMORY_INHERITED_DACL, type MemoryHostState, type MemoryVolume } from './state';

/**
 * The disk side of the in-memory server (./host.ts): paths, renames, ACLs, volumes and shadow copies, on
 * the real file system. Each takes the server's state; the host records the call before calling one.
 */

export async function pathExists(state: MemoryHostState, p: string): Promise<boolean> {
  if (state.caseInsensitiveNames) return (await nameOnDisk(p)) !== null;
  try {
    await stat(p);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw new HostError('pathExists', `Cannot check whether ${p} exists: ${errorMessage(err)}`, { cause: err });
  }
}

/** The name as the folder lists it: an exact match, else one that differs only in case (as the PowerShell side does). */
export async function nameOnDisk(p: string): Promise<string | null> {
  const leaf = path.basename(p);
  let names: string[];
  try {
    names = await readdir(path.dirname(p));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null;
    throw new HostError('nameOnDisk', `Cannot list ${path.dirname(p)}: ${errorMessage(err)}`, { cause: err });
  }
  if (names.includes(leaf)) return p;
  const found = names.find((n) => n.toLowerCase() === leaf.toLowerCase());
  return found === undefined ? null : p.slice(0, p.length - leaf.length) + found;
}

/**
 * Like Rename-Item on Windows: fails when the target exists (POSIX rename would replace it); with
 * caseInsensitiveNames, `from` is found whatever its case and the file takes the spelling of `to`.
 */
export async function renameFile(state: MemoryHostState, from: string, to: string): Promise<void> {
  const actualFrom = await nameOnDisk(from);
  if (actualFrom === null) throw new HostError('renameFile', `Cannot rename ${from}: it does not exist.`);
  const actualTo = await nameOnDisk(to);
  if (actualTo !== null && actualTo !== actualFrom)
    throw new HostError('renameFile', `Cannot rename ${from} to ${to}: a file with that name already exists.`);
  try {
    await rename(actualFrom, to);
  } catch (err) {
    throw new HostError('renameFile', `Cannot rename ${from} to ${to}: ${errorMessage(err)}`, { cause: err });
  }
  state.renames.push({ from, to });
}

export async function getAcls(state: MemoryHostState, root: string): Promise<AclCapture> {
  const acls = state.acls ?? {};
  if (
    !(await stat(root).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw new HostError('getAcls', `Cannot read the permissions of '${root}': the folder does not exist.`);
  const items = Object.entries(acls)
    .filter(([p]) => p !== root && isUnder(p, root))
    .map(([p, sddl]) => ({ path: path.relative(root, p).split(path.sep).join('/'), sddl }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root: acls[root] ?? MEMORY_INHERITED_DACL, items, unreadable: [] };
}

export async function setAcls(state: MemoryHostState, root: string, entries: AclEntry[]): Promise<AclReadBack[]> {
  if (!state.acls) state.acls = {};
  const acls = state.acls;
  const out: AclReadBack[] = [];
  for (const entry of entries) {
    const full = entry.path === '' ? root : joinRelative(root, entry.path);
    if (
      !(await stat(full).then(
        () => true,
        () => false,
      ))
    ) {
      out.push({ path: entry.path, sddl: null, error: 'it does not exist' });
      continue;
    }
    acls[full] = entry.sddl;
    out.push({ path: entry.path, sddl: acls[full], error: null });
  }
  return out;
}

function volumeFor(state: MemoryHostState, p: string): MemoryVolume | undefined {
  return state.volumes.filter((v) => isUnder(p, v.root)).sort((a, b) => b.root.length - a.root.length)[0];
}

export async function getVolumeRoot(state: MemoryHostState, p: string): Promise<string> {
  const volume = volumeFor(state, p);
  if (!volume) throw new HostError('getVolumeRoot', `No volume holds ${p}.`);
  return volume.root;
}

function exactVolume(state: MemoryHostState, root: string): MemoryVolume | undefined {
  return state.volumes.find((v) => same(v.root, root));
}

export async function shadowCopySupported(state: MemoryHostState, volume: string): Promise<boolean> {
  const v = exactVolume(state, volume);
  return v !== undefined && v.shadowDir !== undefined && ['NTFS', 'ReFS'].includes(v.fileSystem);
}

export async function createShadowCopy(state: MemoryHostState, volume: string): Promise<ShadowCopyInfo> {
  const v = exactVolume(state, volume);
  if (!v)
    throw new HostError(
      'createShadowCopy',
      `Shadow copy of ${volume} failed: Specified volume not found (Win32_ShadowCopy.Create returned 3).`,
    );
  if (!v.shadowDir || !['NTFS', 'ReFS'].includes(v.fileSystem)) {
    throw new HostError(
      'createShadowCopy',
      `Shadow copy of ${volume} failed: Specified volume not supported (Win32_ShadowCopy.Create returned 4).`,
    );
  }
  const n = state.nextShadowNumber++;
  const dir = path.join(v.shadowDir, `HarddiskVolumeShadowCopy${n}`);
  try {
    await cp(v.root, dir, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new HostError(
      'createShadowCopy',
      `Shadow copy of ${volume} failed: Shadow copy provider failure (Win32_ShadowCopy.Create returned 12): ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const id = `{${randomUUID().toUpperCase()}}`;
  const info: ShadowCopyInfo = { id, volume: v.root, deviceObject: dir };
  state.shadowCopies.push({ ...info, dir, createdAt: new Date().toISOString() });
  return info;
}

export async function getShadowCopy(state: MemoryHostState, id: string): Promise<ShadowCopyInfo | null> {
  const found = state.shadowCopies.find((s) => same(s.id, id));
  return found ? { id: found.id, volume: found.volume, deviceObject: found.deviceObject } : null;
}

export async function listShadowCopies(state: MemoryHostState, volume: string): Promise<ListedShadowCopy[]> {
  return state.shadowCopies
    .filter((s) => same(s.volume, volume))
    .map((s) => ({
      id: s.id,
      volume: s.volume,
      deviceObject: s.deviceObject,
      createdAt: s.createdAt ?? new Date(0).toISOString(),
    }));
}

export async function deleteShadowCopy(state: MemoryHostState, id: string): Promise<void> {
  const found = state.shadowCopies.find((s) => same(s.id, id));
  if (!found) throw new HostError('deleteShadowCopy', `No shadow copy with ID ${id} exists.`);
  await rm(found.dir, { recursive: true, force: true });
  state.shadowCopies.splice(state.shadowCopies.indexOf(found), 1);
}
