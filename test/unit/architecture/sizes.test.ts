import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/cli';
import { repoRoot } from '../../helpers/pwsh';
import { MAX_FILE_LINES, MAX_FUNCTION_LINES, oversizeFiles, oversizeFunctions } from './sizes';

/**
 * Code rule (BRIEF, issue 12 "Done when"): no file in src/ over about 400 lines, no function over about 80.
 * Measured with the TypeScript compiler API (./sizes.ts): every function declaration, method,
 * constructor, accessor, arrow function and function expression, first line to last.
 */

describe('sizes of src/', () => {
  it(`no file over ${MAX_FILE_LINES} lines`, () => {
    const over = oversizeFiles(repoRoot);
    expect(over).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const over = oversizeFunctions(repoRoot);
    expect(over).toEqual([]);
  });

  it('the measure finds long functions of every kind, by name', async () => {
    const { dir, cleanup } = await tempDir('avb-sizes-');
    try {
      await mkdir(path.join(dir, 'src', 'room'), { recursive: true });
      const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
      const text = [
        `export function long(): void {\n${body(85)}\n}`,
        `export const arrow = (): void => {\n${body(79)}\n};`,
        `class K {\n  method(): void {\n${body(81)}\n  }\n}`,
        `export const atLimit = (): void => {\n${body(78)}\n};`,
        'export { K };',
      ].join('\n');
      await writeFile(path.join(dir, 'src', 'room', 'x.ts'), `${text}\n`);
      expect(oversizeFunctions(dir)).toEqual([
        { where: 'src/room/x.ts:long', lines: 87 },
        { where: 'src/room/x.ts:arrow', lines: 81 },
        { where: 'src/room/x.ts:method', lines: 83 },
      ]);
      expect(oversizeFiles(dir)).toEqual([]);
      await writeFile(path.join(dir, 'src', 'big.ts'), `${body(401)}\n`);
      expect(oversizeFiles(dir)).toEqual([{ where: 'src/big.ts', lines: 401 }]);
    } finally {
      await cleanup();
    }
  });
});
