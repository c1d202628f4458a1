import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replayJournal, replayJournalFile } from '../../../src/engine/journal-replay';
import { localFs } from '../../../src/fs/local';
import { tempDir } from '../../helpers/cli';
import { fileEntry as e, heldPaths } from '../../helpers/entries';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('avb-replay-')));
afterEach(async () => cleanup());

describe('journal replay', () => {
  it('replays records in order: later ones win, del removes, done clears a partial', async () => {
    const lines = [
      JSON.stringify({ t: 'part', p: 'big', off: 10, size: 100, mtimeNs: '5' }),
      JSON.stringify({ t: 'done', how: 'copy', e: e('a') }),
      JSON.stringify({ t: 'done', how: 'link', e: e('b') }),
      JSON.stringify({ t: 'del', p: 'a' }),
      JSON.stringify({ t: 'part', p: 'big', off: 20, size: 100, mtimeNs: '5' }),
    ];
    const r = replayJournal(lines);
    expect(await heldPaths(r.done)).toEqual(['b']);
    expect(r.partials.get('big')).toEqual({ offset: 20, size: 100, mtimeNs: '5' });
    const r2 = replayJournal([...lines, JSON.stringify({ t: 'done', how: 'copy', e: e('big', 100) })]);
    expect(r2.partials.size).toBe(0);
  });

  it('stops at a record it could not have written (an altered journal): its path is never acted on', async () => {
    const good = [JSON.stringify({ t: 'done', how: 'copy', e: e('a') })];
    const after = JSON.stringify({ t: 'done', how: 'copy', e: e('z') });
    for (const bad of [
      { t: 'del', p: '../../outside' },
      { t: 'done', how: 'copy', e: e('sub/../../../x') },
      { t: 'part', p: '/etc/passwd', off: 1, size: 2, mtimeNs: '5' },
      { t: 'done', how: 'copy' },
      { t: 'other', p: 'a' },
      null,
    ]) {
      const r = replayJournal([...good, JSON.stringify(bad), after]);
      expect(await heldPaths(r.done), JSON.stringify(bad)).toEqual(['a']);
      expect(r.partials.size).toBe(0);
      expect(r.tornTail).toBe(true);
      expect(r.refusedLine).toBe(2);
      expect(r.validBytes).toBe(Buffer.byteLength(good[0]) + 1);
    }
  });

  it('replays a journal file as a stream: the same as its text split in lines, a last piece without its newline left out', async () => {
    const file = path.join(dir, 'journal.jsonl');
    expect(await replayJournalFile(localFs, file, null)).toBeNull();
    // Over 1 MiB (the read buffer), lines straddling its edges; then a whole record whose '\n' never came.
    const lines = Array.from({ length: 6000 }, (_, i) =>
      JSON.stringify(
        i % 7 === 3
          ? { t: 'del', p: `d/${i - 1}` }
          : { t: 'done', how: 'copy', e: e(`d/${i}${'x'.repeat(i % 300)}`, i) },
      ),
    );
    const text = `${lines.join('\n')}\n${JSON.stringify({ t: 'done', how: 'copy', e: e('late') })}`;
    writeFileSync(file, text);
    const streamed = await replayJournalFile(localFs, file, null);
    const split = replayJournal(text.split('\n').slice(0, -1));
    expect(Buffer.byteLength(text)).toBeGreaterThan(1 << 20);
    const { done: streamedDone, ...streamedRest } = streamed ?? { done: null };
    const { done: splitDone, ...splitRest } = split;
    expect(streamedRest).toEqual({ ...splitRest, bytes: Buffer.byteLength(text) });
    const streamedPaths = streamedDone ? await heldPaths(streamedDone) : null;
    expect(streamedPaths).toEqual(await heldPaths(splitDone));
    expect(streamedPaths).not.toContain('late');
    expect(streamed?.validBytes).toBe(
      Buffer.byteLength(text) - Buffer.byteLength(JSON.stringify({ t: 'done', how: 'copy', e: e('late') })),
    );
  });
});
