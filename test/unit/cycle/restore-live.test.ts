import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settingsFromInput } from '../../../src/config/load';
import { runNightlyCycle } from '../../../src/cycle/nightly';
import { restoreToLive } from '../../../src/cycle/restore-live';
import { createFaultyFs } from '../../../src/fs/faulty';
import { localFs } from '../../../src/fs/local';
import { silentLogger } from '../../../src/log/logger';
import { resolveSnapshotId } from '../../../src/store/snapshots';
import { hospital, serverSnapshot } from '../../helpers/hospital';

type Hospital = Awaited<ReturnType<typeof hospital>>;
let h: Hospital | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

function settingsFor(hh: Hospital) {
  return settingsFromInput(
    {
      source: hh.source,
      destination: hh.dest,
      stateDir: hh.stateDir,
      mode: 'offline',
      lockout: {
        services: [{ name: 'AVImarkServer' }, { name: 'VetLogicSync' }],
        gracePeriodSeconds: 1,
        warnMinutes: [0],
      },
    },
    null,
  );
}

const MUTATING = [
  'renameFile',
  'setShareSecurityDescriptor',
  'closeOpenFiles',
  'stopService',
  'setServiceStartType',
  'forceStopProcesses',
  'sendMessage',
];

async function backedUp(hh: Hospital) {
  const settings = settingsFor(hh);
  const r = await runNightlyCycle({ settings, host: hh.host, log: silentLogger(), handleSignals: false });
  // The day goes wrong: a damaged file and a stray one.
  await writeFile(path.join(hh.source, 'CLIENT.V2$'), 'garbage');
  await writeFile(path.join(hh.source, 'STRAY.TMP'), 'stray');
  return { settings, snapshot: await resolveSnapshotId(hh.dest, r.snapshotId ?? '') };
}

describe('restore --to-live (memory host)', () => {
  it('puts the snapshot in place under lockout, keeps the old folder aside, and gives AVImark back', async () => {
    h = await hospital();
    const { settings, snapshot } = await backedUp(h);
    // The users are back after the backup.
    h.state.processes[0].alive = true;
    const before = await serverSnapshot(h.state, h.source);
    const r = await restoreToLive({ settings, host: h.host, log: silentLogger(), snapshot, handleSignals: false });
    expect(await readFile(path.join(h.source, 'CLIENT.V2$'), 'utf8')).toBe('clients');
    expect((await readdir(h.source)).sort()).toEqual(['CLIENT.V2$', 'avimark.exe']);
    // The rollback copy holds the folder as it was, executable under its real name.
    expect(r.rollbackDir).toMatch(/AVImark\.before-restore-/);
    expect((await readdir(r.rollbackDir ?? '')).sort()).toEqual(['CLIENT.V2$', 'STRAY.TMP', 'avimark.exe']);
    expect(await readFile(path.join(r.rollbackDir ?? '', 'CLIENT.V2$'), 'utf8')).toBe('garbage');
    const after = await serverSnapshot(h.state, h.source);
    expect({ ...after, files: [] }).toEqual({ ...before, files: [] });
    expect(r.offlineSeconds).toBeGreaterThan(0);
    expect(h.state.messages.at(-1)?.text).toMatch(/available again/);
    // Restored files are writable (not linked into the store).
    await writeFile(path.join(h.source, 'CLIENT.V2$'), 'edited');
  });

  it('a damaged snapshot is refused before anyone is disturbed (exit 3); the live folder is untouched', async () => {
    h = await hospital();
    const { settings, snapshot } = await backedUp(h);
    const file = path.join(snapshot.dir ?? path.join(h.dest, 'snapshots', snapshot.id), 'CLIENT.V2$');
    await chmod(file, 0o644);
    await writeFile(file, 'clientX');
    const from = h.state.calls.length;
    const err = await restoreToLive({
      settings,
      host: h.host,
      log: silentLogger(),
      snapshot,
      handleSignals: false,
    }).catch((e: unknown) => e);
    expect((err as { exitCode: number }).exitCode).toBe(3);
    expect(h.state.calls.slice(from).filter((c) => MUTATING.includes(c.operation))).toEqual([]);
    expect(await readFile(path.join(h.source, 'CLIENT.V2$'), 'utf8')).toBe('garbage');
    expect((await readdir(h.dir)).filter((n) => n.includes('restoring'))).toEqual([]);
  });

  it('--dry-run shows the plan and changes nothing', async () => {
    h = await hospital();
    const { settings, snapshot } = await backedUp(h);
    const from = h.state.calls.length;
    const r = await restoreToLive({
      settings,
      host: h.host,
      log: silentLogger(),
      snapshot,
      dryRun: true,
      handleSignals: false,
    });
    expect(r.planText.join('\n')).toMatch(/rename .* to .*before-restore-/);
    expect(h.state.calls.slice(from).filter((c) => MUTATING.includes(c.operation))).toEqual([]);
    expect(await readFile(path.join(h.source, 'CLIENT.V2$'), 'utf8')).toBe('garbage');
  });

  // issue 13 §7: Explorer or an antivirus scan holds a handle inside the live folder.
  describe('a program holding a file inside the folder (faulty fs)', () => {
    const quick = { retries: 3, retryMinTimeoutMs: 10, retryMaxTimeMs: 1000 };

    /** restore --to-live of `backed` where renaming a path `held` matches fails with `code` (`times`, or for good). */
    function restoreHeld(
      backed: Awaited<ReturnType<typeof backedUp>>,
      held: (p: string) => boolean,
      code = 'EBUSY',
      times?: number,
    ) {
      const faulty = createFaultyFs(localFs, { rules: [{ code, ops: ['rename'], path: held, times }] });
      const run = restoreToLive({
        settings: backed.settings,
        host: (h as Hospital).host,
        log: silentLogger(),
        snapshot: backed.snapshot,
        handleSignals: false,
        fs: faulty.fs,
        swapRetry: quick,
      });
      return { run, injected: faulty.injected };
    }

    it('a rename held for a moment is tried again and the restore completes', async () => {
      h = await hospital();
      const source = h.source;
      const { run, injected } = restoreHeld(await backedUp(h), (p) => p === source, 'EPERM', 2);
      const r = await run;
      expect(injected).toHaveLength(2);
      expect(await readFile(path.join(h.source, 'CLIENT.V2$'), 'utf8')).toBe('clients');
      expect(r.rollbackDir).toMatch(/before-restore-/);
    });

    it('a live folder held for good: fails naming what holds it, nothing changed, AVImark given back', async () => {
      h = await hospital();
      const backed = await backedUp(h);
      const before = await serverSnapshot(h.state, h.source);
      const source = h.source;
      const { run, injected } = restoreHeld(backed, (p) => p === source);
      const err = await run.catch((e: unknown) => e);
      expect((err as Error).message).toContain(
        `a program (Explorer, antivirus, a command prompt whose current folder is inside) holds a file inside ${source}`,
      );
      expect((err as Error).message).toMatch(/nothing was changed, the live folder is in place/);
      expect((err as { exitCode: number }).exitCode).toBe(1);
      expect(injected.length).toBeGreaterThan(1);
      expect(await readFile(path.join(h.source, 'CLIENT.V2$'), 'utf8')).toBe('garbage');
      expect(await serverSnapshot(h.state, h.source)).toEqual(before);
      expect((await readdir(h.dir)).filter((n) => n.includes('restoring') || n.includes('before-restore'))).toEqual([]);
    });

    it('a live folder held by a local program the Restart Manager names: the error names it (issue 13 §7)', async () => {
      h = await hospital();
      const backed = await backedUp(h);
      const source = h.source;
      const client = path.join(source, 'CLIENT.V2$');
      h.state.fileLockers = [
        { path: client, pid: 5120, name: 'Windows Explorer' },
        { path: client, pid: 3300, name: 'Antimalware Service Executable', service: 'WinDefend' },
        { path: path.join(h.dir, 'elsewhere.txt'), pid: 77, name: 'Notepad' },
      ];
      const err = await restoreHeld(backed, (p) => p === source).run.catch((e: unknown) => e);
      expect((err as Error).message).toContain(
        ': open on this server by Windows Explorer (pid 5120), Antimalware Service Executable (pid 3300, service WinDefend); nothing was changed',
      );
    });

    it('when the Restart Manager cannot answer, the usual suspects are named instead', async () => {
      h = await hospital();
      const backed = await backedUp(h);
      const source = h.source;
      h.state.fileLockers = null;
      const err = await restoreHeld(backed, (p) => p === source).run.catch((e: unknown) => e);
      expect((err as Error).message).toContain(
        `a program (Explorer, antivirus, a command prompt whose current folder is inside) holds a file inside ${source}`,
      );
    });

    it('the restored folder held for good: the live folder is put back, AVImark given back', async () => {
      h = await hospital();
      const backed = await backedUp(h);
      const before = await serverSnapshot(h.state, h.source);
      const { run } = restoreHeld(backed, (p) => p.includes('.restoring-'));
      const err = await run.catch((e: unknown) => e);
      expect((err as Error).message).toMatch(
        /could not put the restored folder in place .*holds a file inside.*; the live folder was put back/s,
      );
      expect(await readFile(path.join(h.source, 'CLIENT.V2$'), 'utf8')).toBe('garbage');
      expect(await serverSnapshot(h.state, h.source)).toEqual(before);
      expect((await readdir(h.dir)).filter((n) => n.includes('before-restore'))).toEqual([]);
    });
  });
});
