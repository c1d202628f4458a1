import path from 'node:path';
import * as z from '../validation';
import { DamageError, errnoCode } from '../errors';
import { writeFileAtomic } from '../fs/durable';
import type { FileSystem } from '../fs/types';
import { entryPathProblem } from './entry-path';
import { metaDir } from './layout';
import type { SnapshotId } from './types';

/**
 * DEST/meta/<id>/acl.json: the NTFS access lists of the source folder when the snapshot was taken (Windows):
 * the folder's own (`root`) and those of the items below it whose list was not simply inherited. Values are
 * SDDL strings, data only; written with the snapshot's metadata before it becomes visible, never changed after.
 */

/**
 * An item's place below the restored folder ('' is the folder itself), checked by Windows' rules whatever
 * the platform reading it: a restore puts the SDDL on that place, as an administrator, so an altered file
 * must not name one outside the folder (`..`, a drive, `\\`).
 */
const itemPath = z.string().check(
  z.refine((p: string) => p === '' || entryPathProblem(p, 'win32') === null, {
    message: 'an item\'s path must lie below the folder (no "..", no drive, no "\\" or ":")',
  }),
);

const entrySchema = z.object({ path: itemPath, sddl: z.string().check(z.regex(/^D:/)) });

const aclFileSchema = z.object({
  format: z.literal('avimark-backup-acl'),
  version: z.literal(1),
  source: z.string(),
  root: z.string().check(z.regex(/^D:/)),
  items: z.array(entrySchema),
  unreadable: z.array(z.object({ path: z.string(), message: z.string() })),
});

export type AclFile = z.infer<typeof aclFileSchema>;

/** What a capture holds (the host's AclCapture has this shape). */
export interface SnapshotAcls {
  root: string;
  items: Array<{ path: string; sddl: string }>;
  unreadable: Array<{ path: string; message: string }>;
}

export const aclPath = (dest: string, id: SnapshotId) => path.join(metaDir(dest, id), 'acl.json');

/** Writes (durably) the access lists captured from `source` into the snapshot's metadata folder. */
export async function writeAclFile(
  fs: Pick<FileSystem, 'open' | 'rename' | 'rm' | 'mkdir'>,
  dest: string,
  id: SnapshotId,
  source: string,
  acls: SnapshotAcls,
): Promise<void> {
  const file: AclFile = {
    format: 'avimark-backup-acl',
    version: 1,
    source,
    root: acls.root,
    items: acls.items.map(({ path: p, sddl }) => ({ path: p, sddl })),
    unreadable: acls.unreadable.map(({ path: p, message }) => ({ path: p, message })),
  };
  await writeFileAtomic(fs, aclPath(dest, id), `${JSON.stringify(file, null, 2)}\n`);
}

/** The snapshot's access lists; null when it has none (taken on Linux, or before they were captured). */
export async function readAclFile(
  fs: Pick<FileSystem, 'readFile'>,
  dest: string,
  id: SnapshotId,
): Promise<AclFile | null> {
  const file = aclPath(dest, id);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const checked = aclFileSchema.safeParse(parsed);
  if (!checked.success) {
    throw new DamageError(
      `${file} is damaged: it is not the access lists avimark-backup wrote (${checked.error.issues[0]?.message ?? 'not JSON'})`,
      'restore without the permissions, then set them by hand; or restore an older snapshot',
    );
  }
  return checked.data;
}
