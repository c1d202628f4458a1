import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localFs } from '../../../src/fs/local';
import { scrubStatePath } from '../../../src/guard/paths';
import type { ScrubMark } from '../../../src/guard/scrub-plan';
import { parseScrubState, readScrubState, writeScrubState } from '../../../src/guard/scrub-state';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-guard-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('scrub state file', () => {
  it('round-trips through DEST/meta/scrub-state.jsonl, sorted, with no temporary file left', async () => {
    const dest = await tempDir();
    const file = scrubStatePath(dest);
    expect(file).toBe(path.join(dest, 'meta', 'scrub-state.jsonl'));
    expect(await readScrubState(localFs, file)).toEqual({ state: new Map(), skipped: 0 });
    const state = new Map<string, ScrubMark>([
      ['9:2', { sha256: 'b'.repeat(64), verifiedAt: '2026-01-02T02:00:00.000Z' }],
      ['9:1', { sha256: 'a'.repeat(64), verifiedAt: '2026-01-01T02:00:00.000Z' }],
    ]);
    await writeScrubState(localFs, file, state);
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe(`{"k":"9:1","h":"${'a'.repeat(64)}","t":"2026-01-01T02:00:00.000Z"}`);
    expect(await readScrubState(localFs, file)).toEqual({ state, skipped: 0 });
    expect(await readdir(path.dirname(file))).toEqual(['scrub-state.jsonl']);
  });

  it('skips lines that do not parse (a lost mark only makes a file due sooner)', () => {
    const { state, skipped } = parseScrubState(
      [
        '{"k":"1:1","h":"aa","t":"2026-01-01T00:00:00.000Z"}',
        '{"k":"1:2","h":"bb"',
        '{"k":"1:3","h":"cc","t":"not a time"}',
        '[1,2]',
        '',
      ].join('\n'),
    );
    expect([...state.keys()]).toEqual(['1:1']);
    expect(skipped).toBe(3);
  });

  it('a read error other than "not there" is not hidden', async () => {
    const dest = await tempDir();
    await writeFile(path.join(dest, 'meta'), 'a file where the folder should be');
    await expect(readScrubState(localFs, scrubStatePath(dest))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
