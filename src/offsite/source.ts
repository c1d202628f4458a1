import type { OffsiteConfig } from '../config/schema';
import { UsageError } from '../errors';
import { localFs } from '../fs/local';
import { computerName } from '../report/notify';
import { readManifestHeader } from '../store/manifest';
import { resolveSnapshotId } from '../store/snapshots';
import type { PushSource } from './push';

/** The host name restic records (and `forget --group-by host` groups by). */
export function offsiteHost(): string {
  return computerName();
}

/** The offsite section, or a UsageError saying how to add one. */
export function requireOffsite(offsite: OffsiteConfig | null): OffsiteConfig {
  if (!offsite) {
    throw new UsageError(
      'the configuration has no "offsite" section',
      'add "offsite": { "restic": …, "repository": …, "passwordFile": … } (see docs/offsite.md)',
    );
  }
  return offsite;
}

/** A committed local snapshot (ID or "latest") and the live folder it came from (manifest, else the config). */
export async function pushSourceFor(
  destination: string,
  idOrLatest: string,
  configuredSource: string | null,
): Promise<PushSource> {
  const snapshot = await resolveSnapshotId(destination, idOrLatest);
  const recorded = await readManifestHeader(localFs, snapshot.manifestPath).then(
    (h) => h.source,
    () => null,
  );
  return { snapshotId: snapshot.id, dir: snapshot.dir, source: recorded ?? configuredSource };
}
