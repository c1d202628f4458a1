import { errorMessage } from '../errors';
import type { AclEntry, AclReadBack, WindowsHost } from '../host/types';
import { plural } from '../format/number';
import type { SnapshotAcls } from '../store/acl';

/**
 * The source folder's NTFS access lists (Windows): captured through the host when a snapshot is taken (into
 * DEST/meta/<id>/acl.json, src/store/acl.ts), put back and read back when a snapshot is restored over the live
 * folder (`restore --to-live`) or on request (`restore --to --acl`). On Linux the folders' modes and times travel
 * in the manifest instead (src/engine/restore.ts).
 */

/**
 * The access lists of `source`; undefined, with a warning, when they cannot be read: the data backup goes on
 * without them (a restore then says the snapshot has none).
 */
export async function captureAcls(
  host: Pick<WindowsHost, 'getAcls'>,
  source: string,
  warnings: string[],
): Promise<SnapshotAcls | undefined> {
  try {
    const acls = await host.getAcls(source);
    const first = acls.unreadable[0];
    if (first) {
      warnings.push(
        `the permissions of ${plural(acls.unreadable.length, 'item')} could not be read and are not in the snapshot (first: "${first.path}": ${first.message})`,
      );
    }
    return acls;
  } catch (err) {
    warnings.push(`the folder's permissions (NTFS access lists) were not captured: ${errorMessage(err)}`);
    return undefined;
  }
}

/** Pure: what is applied, the folder's own list first (its children inherit from it). */
export function aclEntries(acls: Pick<SnapshotAcls, 'root' | 'items'>): AclEntry[] {
  return [{ path: '', sddl: acls.root }, ...acls.items.filter((i) => i.path !== '')];
}

/**
 * Pure: the part of an access list a restore makes exact: whether it is protected from inheritance, and its
 * explicit entries. Inherited entries (flag ID) come from wherever the folder now sits, so they are not compared.
 */
export function explicitPart(sddl: string): string {
  const m = /^D:([A-Z]*)((?:\([^()]*\))*)$/.exec(sddl.trim());
  if (!m) return sddl;
  const aces = [...m[2].matchAll(/\(([^()]*)\)/g)]
    .map((a) => a[1])
    .filter((ace) => !/ID/.test(ace.split(';')[1] ?? ''));
  return `${m[1].includes('P') ? 'P' : ''}${aces.map((a) => `(${a})`).join('')}`;
}

/** Pure: every entry that did not read back as recorded, in words. Empty when all came back. */
export function aclMismatches(wanted: readonly AclEntry[], back: readonly AclReadBack[]): string[] {
  const got = new Map(back.map((b) => [b.path, b]));
  const problems: string[] = [];
  for (const w of wanted) {
    const name = w.path === '' ? 'the folder itself' : `"${w.path}"`;
    const b = got.get(w.path);
    if (!b) problems.push(`${name}: no answer from the server`);
    else if (b.error !== null || b.sddl === null)
      problems.push(`${name}: not set (${b.error ?? 'no access list read back'})`);
    else if (explicitPart(b.sddl) !== explicitPart(w.sddl))
      problems.push(`${name} reads back as ${b.sddl}, not ${w.sddl}`);
  }
  return problems;
}

/** Puts a snapshot's access lists on `target` (the folder it was restored into) and reads them back. */
export async function applyAcls(
  host: Pick<WindowsHost, 'setAcls'>,
  target: string,
  acls: Pick<SnapshotAcls, 'root' | 'items'>,
): Promise<{ applied: number; problems: string[] }> {
  const wanted = aclEntries(acls);
  const back = await host.setAcls(target, wanted);
  return { applied: wanted.length, problems: aclMismatches(wanted, back) };
}
