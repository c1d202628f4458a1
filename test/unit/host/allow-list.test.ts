import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_SCRIPT, HOST_SCRIPTS } from '../../../src/host/powershell/host';
import { repoRoot } from '../../helpers/pwsh';

const dir = path.join(repoRoot, 'ps', 'host');
const files = readdirSync(dir).filter((f) => f.endsWith('.ps1'));
const text = (f: string): string => readFileSync(path.join(dir, f), 'utf8');

/** The allow-list in Host.ps1: `opName = 'Function-Name'` lines of the $script:AvbOperations table. */
function allowList(): Map<string, string> {
  const table = /\$script:AvbOperations = @\{\n([\s\S]*?)\n\}/.exec(text('Host.ps1'))?.[1] ?? '';
  const ops = new Map<string, string>();
  for (const m of table.matchAll(/^\s+([A-Za-z]+)\s*=\s*'([A-Za-z-]+)'\s*$/gm)) ops.set(m[1], m[2]);
  return ops;
}

function definedIn(fn: string): string[] {
  const re = new RegExp(`^function ${fn}\\b`, 'm');
  return files.filter((f) => re.test(text(f)));
}

describe('ps/host: the operations, split by area, allowed in one place', () => {
  it('the bridge loads every ps/host script, Host.ps1 first, as the files read', () => {
    expect(Object.keys(HOST_SCRIPTS).sort()).toEqual([...files].sort());
    expect(Object.keys(HOST_SCRIPTS)[0]).toBe('Host.ps1');
    for (const f of files) expect(HOST_SCRIPTS[f]).toBe(text(f));
    expect(HOST_SCRIPT.startsWith(text('Host.ps1'))).toBe(true);
  });

  it('only Host.ps1 holds the allow-list; the area files never add to it', () => {
    const mentions = files.filter((f) => text(f).includes('AvbOperations'));
    expect(mentions).toEqual(['Host.ps1']);
    expect(text('Host.ps1').match(/\$script:AvbOperations\s*=/g)).toHaveLength(1);
  });

  it('every allowed operation is a function defined in exactly one file', () => {
    const ops = allowList();
    expect(ops.size).toBeGreaterThan(20);
    for (const [op, fn] of ops) expect({ op, files: definedIn(fn) }).toEqual({ op, files: [expect.any(String)] });
  });

  it('the allow-list is exactly the operations the bridge calls', () => {
    const source = readFileSync(path.join(repoRoot, 'src', 'host', 'powershell', 'host.ts'), 'utf8');
    const called = new Set([...source.matchAll(/this\.call\(\s*'([A-Za-z]+)'/g)].map((m) => m[1]));
    expect([...allowList().keys()].sort()).toEqual([...called].sort());
  });

  it('the area files only define functions and script constants (nothing runs when they load)', () => {
    for (const f of files.filter((name) => name !== 'Host.ps1')) {
      // A here-string's lines are data (a script constant's value), not statements.
      const topLevel = text(f)
        .replace(/@'\r?\n[\s\S]*?\r?\n'@/g, "@''@")
        .split('\n')
        .filter((line) => /^\S/.test(line) && !/^(#|function |\}|\$script:Avb\w+ = )/.test(line));
      expect({ file: f, topLevel }).toEqual({ file: f, topLevel: [] });
    }
  });
});
