import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Checkpoint, replayJournal, type PartialState } from '../../../src/engine/checkpoint';
import { localFs } from '../../../src/fs/local';
import type { ManifestEntry } from '../../../src/store/types';
import { tempDir } from '../../helpers/cli';

const e = (p: string, size = 1): ManifestEntry => ({ path: p, type: 'file', size, mtimeNs: '5', sha256: 'x', attributes: { mode: 0o644, readonly: false } });
const state: PartialState = { format: 'avimark-backup-partial', version: 1, snapshotId: '2026-11-26_020000', source: '/src', startedAt: 't', previousSnapshotId: null };

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-cp-')));
afterEach(async () => cleanup());

describe('checkpoint journal', () => {
  it('replays records in order: later ones win, del removes, done clears a partial', () => {
    const lines = [
      JSON.stringify({ t: 'part', p: 'big', off: 10, size: 100, mtimeNs: '5' }),
      JSON.stringify({ t: 'done', how: 'copy', e: e('a') }),
      JSON.stringify({ t: 'done', how: 'link', e: e('b') }),
      JSON.stringify({ t: 'del', p: 'a' }),
      JSON.stringify({ t: 'part', p: 'big', off: 20, size: 100, mtimeNs: '5' }),
    ];
    const r = replayJournal(lines);
    expect([...r.done.keys()]).toEqual(['b']);
    expect(r.partials.get('big')).toEqual({ offset: 20, size: 100, mtimeNs: '5' });
    const r2 = replayJournal([...lines, JSON.stringify({ t: 'done', how: 'copy', e: e('big', 100) })]);
    expect(r2.partials.size).toBe(0);
  });

  it('survives a torn last line (kill -9 mid-write): ignored, cut off, and appending continues cleanly', async () => {
    const stateDir = path.join(dir, 'x.state');
    const cp = await Checkpoint.create(localFs, stateDir, state);
    await cp.record({ t: 'done', how: 'copy', e: e('a') });
    await cp.record({ t: 'done', how: 'copy', e: e('b') });
    await cp.close();
    const file = Checkpoint.journalPath(stateDir);
    appendFileSync(file, '{"t":"done","how":"copy","e":{"path":"c","ty');
    const reopened = await Checkpoint.open(localFs, stateDir);
    expect([...reopened.done.keys()]).toEqual(['a', 'b']);
    await reopened.record({ t: 'done', how: 'copy', e: e('d') });
    await reopened.close();
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { e: { path: string } }).e.path)).toEqual(['a', 'b', 'd']);
    expect((await Checkpoint.open(localFs, stateDir)).state).toEqual(state);
  });
});
