import path from 'node:path';
import { hashFile } from '../engine/verify';
import { joinRelative } from '../fs/join-relative';
import type { FileSystem } from '../fs/types';
import type { ManifestEntry } from '../store/types';

export interface TreeCheck {
  filesChecked: number;
  bytesChecked: number;
  /** In the manifest, absent from the folder. */
  missing: string[];
  /** Present but with other content, size or type than the manifest says. */
  damaged: Array<{ path: string; detail: string }>;
  /** In the folder, not in the manifest. */
  extra: string[];
  /** Regular files the manifest lists (for the required-files check). */
  files: Set<string>;
}

/**
 * Checks a restored folder against a snapshot's manifest: every file's size and SHA-256, every
 * folder and link present, nothing extra. Reads only; the folder is independent of the snapshot.
 */
export async function checkTree(
  fs: FileSystem,
  root: string,
  entries: AsyncIterable<ManifestEntry>,
): Promise<TreeCheck> {
  const result: TreeCheck = { filesChecked: 0, bytesChecked: 0, missing: [], damaged: [], extra: [], files: new Set() };
  const expected = new Set<string>();
  for await (const entry of entries) {
    expected.add(entry.path);
    const full = joinRelative(root, entry.path);
    let st;
    try {
      st = await fs.lstat(full);
    } catch {
      result.missing.push(entry.path);
      continue;
    }
    if (entry.type === 'dir') {
      if (!st.isDirectory()) result.damaged.push({ path: entry.path, detail: 'expected a folder' });
      continue;
    }
    if (entry.type === 'symlink') {
      if (!st.isSymbolicLink()) result.damaged.push({ path: entry.path, detail: 'expected a link' });
      else if (entry.linkTarget !== undefined && (await fs.readlink(full)) !== entry.linkTarget) {
        result.damaged.push({ path: entry.path, detail: 'link points elsewhere' });
      }
      continue;
    }
    result.files.add(entry.path);
    result.filesChecked += 1;
    if (!st.isFile()) {
      result.damaged.push({ path: entry.path, detail: 'expected a file' });
      continue;
    }
    if (st.size !== entry.size) {
      result.damaged.push({ path: entry.path, detail: `size ${st.size} bytes, the manifest says ${entry.size}` });
      continue;
    }
    const digest = await hashFile(fs, full, entry.size);
    result.bytesChecked += st.size;
    if (digest !== entry.sha256) result.damaged.push({ path: entry.path, detail: 'content differs from the manifest' });
  }
  await findExtra(fs, root, '', expected, result.extra);
  return result;
}

async function findExtra(
  fs: FileSystem,
  root: string,
  rel: string,
  expected: Set<string>,
  out: string[],
): Promise<void> {
  const entries = await fs.readdir(path.join(root, ...(rel ? rel.split('/') : [])), { withFileTypes: true });
  for (const entry of entries) {
    const p = rel ? `${rel}/${entry.name}` : entry.name;
    if (!expected.has(p)) {
      out.push(p);
      continue;
    }
    if (entry.isDirectory()) await findExtra(fs, root, p, expected, out);
  }
}
