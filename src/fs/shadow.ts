import path from 'node:path';
import { createMappedFs } from './mapped';
import { shadowPathOf } from './shadow-path';
import type { SourceFs } from './types';

/**
 * Reads a live folder through another root — typically the same folder inside a VSS shadow copy
 * (`\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopyN\AVImark`), like restic's fs_local_vss.go. Callers
 * keep using live paths; every path under `liveRoot` is read from the same relative path under
 * `shadowRoot`, paths elsewhere pass through unchanged.
 */
export function createShadowFs(
  inner: SourceFs,
  liveRoot: string,
  shadowRoot: string,
  pathApi: path.PlatformPath = path,
): SourceFs {
  return createMappedFs(inner, { toInner: (p) => shadowPathOf(p, liveRoot, shadowRoot, pathApi) });
}
