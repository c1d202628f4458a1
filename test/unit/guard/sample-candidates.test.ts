import { describe, expect, it } from 'vitest';
import { entriesNamed } from '../../../src/guard/change-signals';
import { SampleCandidates } from '../../../src/guard/sample-candidates';
import type { ManifestEntry } from '../../../src/store/types';

describe('SampleCandidates', () => {
  const stored = (rel: string) => `/store/snapshots/baseline/${rel}`;
  const fileEntry = (p: string, sha: string): ManifestEntry => ({
    path: p,
    type: 'file',
    size: 5,
    mtimeNs: '1',
    sha256: sha.repeat(64),
    attributes: { mode: 0o444, readonly: true },
  });
  const dirEntry = (p: string): ManifestEntry => ({ ...fileEntry(p, 'd'), type: 'dir', size: 0, sha256: null });
  const baseline = new Map(
    [fileEntry('CLIENT.V2$', 'a'), fileEntry('ANIMAL.V2$', 'a'), fileEntry('Same.doc', 'a'), dirEntry('Docs')].map(
      (e) => [e.path, e] as const,
    ),
  );
  /** As the guard does: each entry with the baseline's at its path, then the names it asks for. */
  const sampleCandidates = (entries: ManifestEntry[], caseInsensitive: boolean) => {
    const sample = new SampleCandidates(
      { current: (rel) => `/partial/${rel}`, previous: (rel) => stored(rel) },
      caseInsensitive,
    );
    for (const e of entries) sample.add(e, baseline.get(e.path));
    const key = (p: string) => sample.key(p);
    return sample.resolve(entriesNamed(baseline.values(), sample.wanted(), key, true), entries);
  };
  const entries = [
    fileEntry('ANIMAL.V2$', 'b'), // changed in place
    fileEntry('CLIENT.V2$.locked', 'b'), // renamed with an extension; CLIENT.V2$ is gone
    fileEntry('Docs', 'b'), // a folder before: not a changed file
    fileEntry('Same.doc', 'a'), // unchanged
    fileEntry('same.DOC.x', 'b'), // a stem that matches only case-insensitively
  ];
  /** The candidate `rel` compared with the baseline's `old` (sizes are all 5). */
  const pair = (rel: string, old: string) => ({
    path: rel,
    current: { file: `/partial/${rel}`, size: 5 },
    previous: { file: stored(old), size: 5 },
  });

  it('case-sensitive: changed files and names with an appended extension, from the baseline', () => {
    expect(sampleCandidates(entries, false)).toEqual([
      pair('ANIMAL.V2$', 'ANIMAL.V2$'),
      pair('CLIENT.V2$.locked', 'CLIENT.V2$'),
    ]);
    // A new file without a stem is never a candidate (no old copy to compare with).
    expect(sampleCandidates([fileEntry('NEW', 'b'), fileEntry('ANIMAL.V2$', 'b')], false)).toEqual([
      pair('ANIMAL.V2$', 'ANIMAL.V2$'),
    ]);
  });

  it('case-insensitive: a stem matches across case, but not an old file still present', () => {
    const found = sampleCandidates(entries, true).map((c) => c.path);
    expect(found).toEqual(['ANIMAL.V2$', 'CLIENT.V2$.locked']);
    const renamed = [...entries.filter((e) => e.path !== 'Same.doc'), fileEntry('x', 'c')];
    expect(sampleCandidates(renamed, true).map((c) => c.path)).toEqual([
      'ANIMAL.V2$',
      'CLIENT.V2$.locked',
      'same.DOC.x',
    ]);
  });

  it('case-insensitive: a file whose name changed case is compared with its old copy, in the order of the entries', () => {
    const recased = [
      fileEntry('animal.v2$', 'b'), // changed, and its name's case too
      fileEntry('CLIENT.V2$.locked', 'b'),
      fileEntry('same.doc', 'a'), // only the case changed
    ];
    expect(sampleCandidates(recased, true)).toEqual([
      pair('animal.v2$', 'ANIMAL.V2$'),
      pair('CLIENT.V2$.locked', 'CLIENT.V2$'),
    ]);
    // Case-sensitively, 'animal.v2$' and 'same.doc' are new files without a stem in the baseline.
    expect(sampleCandidates(recased, false).map((c) => c.path)).toEqual(['CLIENT.V2$.locked']);
  });
});
