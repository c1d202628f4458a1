import { isInUse } from '../fs/retry';
import { UnstableFileError } from './file-saver';
import type { FileErrorPolicy } from './types';

/** A file in use by a running AVImark: it kept changing, or stayed locked (sharing or byte-range lock). */
export function isChangingOrLocked(err: unknown): boolean {
  return err instanceof UnstableFileError || isInUse(err) || (err instanceof Error && isInUse(err.cause));
}

/** For a pass while AVImark is still running: files in use are left for the pass under lockout; anything else fails. */
export const skipFilesInUse: FileErrorPolicy = (_rel, err) => (isChangingOrLocked(err) ? 'skip' : 'fail');

/** The default: any file that cannot be backed up fails the sync. */
export const failOnFileError: FileErrorPolicy = () => 'fail';
