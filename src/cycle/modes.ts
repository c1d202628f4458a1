import { setTimeout as sleep } from 'node:timers/promises';
import type { Settings } from '../config/load';
import { type BackupProgress, type SnapshotInProgress, skipFilesInUse } from '../engine/backup';
import { errorMessage } from '../errors';
import { type RenamedFile, createRenamedFilesFs } from '../fs/renamed';
import { createShadowFs } from '../fs/shadow';
import { shadowPath } from '../fs/shadow-path';
import type { SourceFs } from '../fs/types';
import type { ShadowCopyInfo, WindowsHost } from '../host/types';
import type { Logger } from '../log/logger';
import type { LockoutPlan } from '../lockout/plan';
import { newShadowRecord, removeShadowRecord, writeShadowRecord } from '../lockout/shadow-journal';
import type { LockoutStep } from '../lockout/steps';
import { type LockoutHooks, WarningsEndedError, type WindowRun } from '../lockout/window';
import type { CycleMode } from './mode';

/** What a mode needs to copy: the open snapshot, the source and how to read it. */
export interface ModeContext {
  mode: CycleMode;
  settings: Settings;
  host: WindowsHost;
  log: Logger;
  snap: SnapshotInProgress;
  source: string;
  sourceFs: SourceFs;
  /** The source's volume (vss), when the mode check found it. */
  volume: string | null;
  checksum?: boolean;
  onProgress?: (progress: BackupProgress) => void;
}

/** What is held when AVImark is given back: the shadow copy in vss mode, nothing otherwise. */
export interface Copied {
  shadow: ShadowCopyInfo | null;
  volume: string | null;
  renamed: RenamedFile[];
}

/**
 * The three modes as hooks around the one lockout window:
 *   offline: copy under lockout.
 *   presync: copy while users are warned (untrusted), then the catch-up under lockout.
 *   vss:     take a shadow copy under lockout; copy from it once AVImark is back, then delete it.
 * `after` (the vss copy) runs before the cycle commits.
 */
export function modeHooks(c: ModeContext): Omit<LockoutHooks<Copied, void>, 'after'> & {
  afterGiveBack: (copied: Copied, run: WindowRun) => Promise<void>;
} {
  return {
    whileWarning: c.mode === 'presync' ? (run) => onlinePass(c, run.signal) : undefined,
    under: (run, plan) => copyUnderLockout(c, run, plan),
    abandon: async (copied, run) => {
      if (copied.shadow) await deleteShadow(c.host, c.settings.stateDir, copied.shadow, c.log, run.warnings);
    },
    afterGiveBack: (copied, run) => copyFromShadow(c, copied, run),
  };
}

async function copyUnderLockout(c: ModeContext, run: WindowRun, plan: LockoutPlan): Promise<Copied> {
  const renamed = renamedFiles(plan);
  if (c.mode === 'vss') {
    const volume = c.volume ?? (await c.host.getVolumeRoot(c.source));
    try {
      // Journaled before Create, with its ID once known: recover deletes ours even if Create completes late.
      const record = newShadowRecord(
        volume,
        (await c.host.listShadowCopies(volume)).map((s) => s.id),
      );
      await writeShadowRecord(c.settings.stateDir, record);
      const shadow = await createShadowWithRetry(c, volume, run.signal);
      await writeShadowRecord(c.settings.stateDir, { ...record, id: shadow.id });
      c.log.info(`shadow copy ${shadow.id} of ${volume} created`);
      return { shadow, volume, renamed };
    } catch (err) {
      // Mode auto chose vss; with vss.onFailure "offline" the copy is made now, under the same lockout.
      if (run.signal.aborted || c.settings.mode !== 'auto' || c.settings.vss.onFailure !== 'offline') throw err;
      const w = `the shadow copy of ${volume} could not be taken (${errorMessage(err)}); copied offline under the same lockout instead (vss.onFailure "offline")`;
      c.log.warn(w);
      run.warnings.push(w);
    }
  }
  await sync(c, createRenamedFilesFs(c.sourceFs, renamed), run.signal);
  return { shadow: null, volume: null, renamed };
}

/**
 * Win32_ShadowCopy.Create return values that pass (reference: windows-powershell.md): 7 volume in use,
 * 9 another shadow copy operation in progress, 12 provider failure, 13 unknown error. The others (access
 * denied, not supported, no storage, the maximum reached, a veto) do not pass by waiting.
 */
const TRANSIENT_SHADOW_CODES = new Set([7, 9, 12, 13]);

/** The Win32_ShadowCopy.Create return value a failure reports (ps/host/Shadows.ps1 words it), or null. */
export function shadowReturnCode(err: unknown): number | null {
  const m = /Win32_ShadowCopy\.Create returned (\d+)/.exec(errorMessage(err));
  return m ? Number(m[1]) : null;
}

/** Create, tried again on transient return codes with backoff for vss.retrySeconds; a stop ends the wait. */
async function createShadowWithRetry(c: ModeContext, volume: string, signal: AbortSignal): Promise<ShadowCopyInfo> {
  const deadline = Date.now() + c.settings.vss.retrySeconds * 1000;
  for (let delayMs = 1000; ; delayMs = Math.min(delayMs * 2, 15_000)) {
    try {
      return await c.host.createShadowCopy(volume);
    } catch (err) {
      const code = shadowReturnCode(err);
      if (code === null || !TRANSIENT_SHADOW_CODES.has(code) || Date.now() + delayMs > deadline) throw err;
      c.log.warn(`shadow copy of ${volume} failed for now (${errorMessage(err)}); trying again in ${delayMs / 1000} s`);
      await sleep(delayMs, undefined, { signal });
    }
  }
}

async function copyFromShadow(c: ModeContext, copied: Copied, run: WindowRun): Promise<void> {
  const { shadow, volume } = copied;
  if (!shadow || !volume) return;
  try {
    const shadowRoot = shadowPath(c.source, volume, shadow.deviceObject);
    c.log.info(`copying from the shadow copy (${shadowRoot})`);
    await sync(c, createRenamedFilesFs(createShadowFs(c.sourceFs, c.source, shadowRoot), copied.renamed), run.signal);
  } finally {
    await deleteShadow(c.host, c.settings.stateDir, shadow, c.log, run.warnings);
  }
}

function sync(c: ModeContext, sourceFs: SourceFs, signal: AbortSignal) {
  return c.snap.sync({
    sourceRoot: c.source,
    sourceFs,
    engine: c.settings.engine,
    checksum: c.checksum,
    signal,
    onProgress: c.onProgress,
  });
}

/** Presync's online pass. A file AVImark is writing may not settle: that is expected, the catch-up under lockout copies it. */
async function onlinePass(c: ModeContext, signal: AbortSignal): Promise<void> {
  c.log.info('presync: copying while AVImark is still online (catch-up follows under lockout)');
  try {
    const r = await c.snap.sync({
      sourceRoot: c.source,
      sourceFs: c.sourceFs,
      engine: c.settings.engine,
      checksum: c.checksum,
      signal,
      onProgress: c.onProgress,
      onFileError: skipFilesInUse,
      unstableRetries: 0,
    });
    const left = r.filesSkipped > 0 ? `; ${r.filesSkipped} file(s) in use were left for the catch-up` : '';
    c.log.info(`presync: online pass copied ${r.filesCopied} file(s), ${r.bytesCopied} bytes${left}`);
  } catch (err) {
    if (signal.reason instanceof WarningsEndedError) {
      c.log.info('presync: the warnings ended before the online pass did; the catch-up under lockout copies the rest');
      return;
    }
    if (signal.aborted) throw err;
    c.log.warn(
      `presync: the online pass did not finish (${errorMessage(err)}); the catch-up under lockout copies the rest`,
    );
  }
}

function renamedFiles(plan: LockoutPlan): RenamedFile[] {
  return plan.steps
    .filter((s): s is Extract<LockoutStep, { kind: 'renameExecutable' }> => s.kind === 'renameExecutable')
    .map((s) => ({ original: s.path, renamed: s.lockedPath }));
}

async function deleteShadow(
  host: WindowsHost,
  stateDir: string,
  shadow: ShadowCopyInfo,
  log: Logger,
  warnings: string[],
): Promise<void> {
  try {
    await host.deleteShadowCopy(shadow.id);
    log.info(`shadow copy ${shadow.id} deleted`);
    await removeShadowRecord(stateDir);
  } catch (err) {
    const w = `the shadow copy ${shadow.id} could not be deleted (${errorMessage(err)}); delete it with: vssadmin delete shadows /shadow=${shadow.id} /quiet`;
    log.warn(w);
    warnings.push(w);
  }
}
