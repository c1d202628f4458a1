import { RunFailedError, errorMessage } from '../errors';
import type { WindowsHost } from '../host/types';

export type CycleMode = 'offline' | 'presync' | 'vss';

/**
 * auto → vss when a shadow copy can be taken of the source's volume, else presync.
 * An explicit vss on a volume without shadow copies is a preflight failure (nothing touched).
 */
export async function resolveMode(
  configured: 'auto' | CycleMode,
  host: WindowsHost,
  source: string,
): Promise<{ mode: CycleMode; volume: string | null; reason: string }> {
  if (configured === 'offline' || configured === 'presync')
    return { mode: configured, volume: null, reason: 'configured' };
  let volume: string | null = null;
  let supported = false;
  let why = '';
  try {
    volume = await host.getVolumeRoot(source);
    supported = await host.shadowCopySupported(volume);
    if (!supported) why = `shadow copies are not available on ${volume}`;
  } catch (err) {
    why = `shadow copy support could not be checked: ${errorMessage(err)}`;
  }
  if (supported && volume !== null)
    return {
      mode: 'vss',
      volume,
      reason: configured === 'vss' ? 'configured' : `auto: shadow copies work on ${volume}`,
    };
  if (configured === 'vss') {
    throw new RunFailedError(
      `mode "vss" cannot be used: ${why}`,
      'set "mode" to "presync" (or "auto"); nothing was changed',
    );
  }
  return { mode: 'presync', volume, reason: `auto: ${why}` };
}

/** How long AVImark is expected to be away, for the {backBy} in the warning: the watchdog's limit is the promise. */
export function expectedOfflineMinutes(mode: CycleMode, maxLockoutMinutes: number): number {
  return mode === 'vss' ? Math.min(5, maxLockoutMinutes) : maxLockoutMinutes;
}
