import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpretMsgResult } from '../../../src/host/msg-result';
import { encodeRequest, encodeScriptLoad, parseEnvelope, RESULT_MARKER } from '../../../src/host/powershell/protocol';
import { repoRoot } from '../../helpers/pwsh';

describe('request encoding', () => {
  it('puts only base64 inside the single-quoted literal, whatever the values', () => {
    const nasty = { name: "'; Remove-Item C:\\ -Recurse; '\u2019\n$(x)`\"" };
    const line = encodeRequest('getShare', nasty);
    const m = /^Invoke-AvbRequest '([A-Za-z0-9+/=]*)'$/.exec(line);
    expect(m).not.toBeNull();
    expect(JSON.parse(Buffer.from(m![1], 'base64').toString('utf8'))).toEqual({ op: 'getShare', args: nasty });
  });

  it('refuses operation names that are not plain words', () => {
    expect(() => encodeRequest("x'; y", {})).toThrow(/invalid operation/);
  });

  it('loads the script as one line of base64', () => {
    const line = encodeScriptLoad('function f {\n  1\n}\n');
    expect(line).not.toContain('\n');
    expect(line).toMatch(/FromBase64String\('[A-Za-z0-9+/=]+'\)/);
  });
});

describe('result parsing', () => {
  it('finds the envelope after other output', () => {
    expect(parseEnvelope(`WARNING: x\r\n${RESULT_MARKER}{"ok":true,"result":[1]}\r\n`)).toEqual({
      ok: true,
      result: [1],
    });
    expect(
      parseEnvelope(`${RESULT_MARKER}{"ok":false,"error":{"message":"m","category":"ObjectNotFound","fqid":"f"}}`),
    ).toEqual({
      ok: false,
      error: { message: 'm', category: 'ObjectNotFound', fqid: 'f' },
    });
  });

  it('an empty answer is no envelope (the caller turns it into an error)', () => {
    expect(parseEnvelope('')).toBeNull();
    expect(parseEnvelope('some text')).toBeNull();
  });
});

describe('msg.exe outcomes', () => {
  it('0 is delivered; a lone missing console session is a warning; anything else is not delivered', () => {
    expect(interpretMsgResult(0, [])).toEqual({ delivered: true, exitCode: 0, warnings: [] });
    const headless = interpretMsgResult(1, ['Error sending message to session Console : Error 2147500058']);
    expect(headless.delivered).toBe(true);
    expect(headless.warnings[0]).toMatch(/harmless/);
    expect(
      interpretMsgResult(1, [
        'Error sending message to session Console : Error 2147500058',
        'Error 5 getting session names',
      ]).delivered,
    ).toBe(false);
    expect(interpretMsgResult(1, []).delivered).toBe(false);
  });
});

describe('no value is ever interpolated into PowerShell text', () => {
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : /\.ts$/.test(name) ? [full] : [];
    });
  }

  it("src/ never uses node-powershell's $ / $$ / command template tags or its static invoke", () => {
    const offenders: string[] = [];
    for (const file of files(path.join(repoRoot, 'src'))) {
      const text = readFileSync(file, 'utf8');
      if (
        /PowerShell\s*\.\s*(\$\$?|command|invoke)\b/.test(text) ||
        /\b(ps|shell|PowerShell)\s*\.\s*\$\$?\s*`/.test(text)
      ) {
        offenders.push(path.relative(repoRoot, file));
      }
    }
    expect(offenders).toEqual([]);
  });

  it('only src/host/powershell/ imports node-powershell', () => {
    const importers = files(path.join(repoRoot, 'src'))
      .filter((f) => /from ['"]node-powershell['"]/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(repoRoot, f));
    expect(importers.every((f) => f.startsWith(path.join('src', 'host', 'powershell')))).toBe(true);
  });

  it('every command the session sends is built by protocol.ts (invoke is only called with its output)', () => {
    const session = readFileSync(path.join(repoRoot, 'src/host/powershell/session.ts'), 'utf8');
    const invokes = [...session.matchAll(/\.invoke\(([^)]*)\)/g)].map((m) => m[1]);
    expect(invokes.length).toBeGreaterThan(0);
    for (const arg of invokes) expect(arg).toMatch(/^(command|live, command, timeoutMs)$/);
  });
});
