import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scriptHint } from '../../../src/drill/command';
import { commandProblem } from '../../../src/drill/drill';
import {
  appendTail,
  expandCommand,
  formatCommand,
  lastLines,
  missingRequiredFiles,
  scratchFolder,
} from '../../../src/drill/plan';

describe('drill planning', () => {
  it('puts the scratch folder on the destination, named by snapshot and time', () => {
    expect(scratchFolder('/backups', '2026-11-26_021400', new Date('2026-11-29T03:00:05.123Z'))).toBe(
      path.join('/backups', 'drill-scratch', '2026-11-26_021400-20261129T030005Z'),
    );
  });

  it('replaces {dir} inside arguments and nothing else', () => {
    expect(
      expandCommand(['C:\\Tools\\check.exe', '--data={dir}', '{dir}\\CLIENT.V2$', '$(rm -rf /)'], 'D:\\B\\s'),
    ).toEqual(['C:\\Tools\\check.exe', '--data=D:\\B\\s', 'D:\\B\\s\\CLIENT.V2$', '$(rm -rf /)']);
  });

  it('shows a command on one line, quoting what needs it', () => {
    expect(formatCommand(['C:\\Program Files\\AVImark\\check.exe', '-d', '{dir}', 'say "hi"', ''])).toBe(
      '"C:\\Program Files\\AVImark\\check.exe" -d {dir} "say \\"hi\\"" ""',
    );
  });

  it('finds required files case-insensitively and with either slash', () => {
    const files = new Set(['CLIENT.V2$', 'My Documents/letter.doc']);
    expect(missingRequiredFiles(['client.v2$', 'My Documents\\LETTER.DOC', 'TREAT.V2$'], files)).toEqual(['TREAT.V2$']);
  });

  it('keeps only the tail of long output and the last lines for messages', () => {
    let tail = '';
    for (let i = 0; i < 1000; i++) tail = appendTail(tail, `line ${i}\n`, 50);
    expect(tail.length).toBe(50);
    expect(tail.endsWith('line 999\n')).toBe(true);
    expect(lastLines('a\r\n\r\nb\nc\nd\n', 2)).toBe('c | d');
  });

  it('words each way a command can fail', () => {
    const base = { exitCode: 0, signal: null, timedOut: false, startError: null, outputTail: '' };
    expect(commandProblem('x', base, 60_000)).toBeNull();
    expect(commandProblem('x', { ...base, exitCode: 2, outputTail: 'bad\n' }, 60_000)).toBe(
      'drill command x exited with code 2; it said: bad',
    );
    expect(commandProblem('x', { ...base, exitCode: null, timedOut: true }, 90 * 60_000)).toBe(
      'drill command x did not finish within 90 minutes and was stopped',
    );
    expect(commandProblem('x', { ...base, exitCode: null, signal: 'SIGTERM' }, 60_000)).toBe(
      'drill command x was killed (SIGTERM)',
    );
    expect(commandProblem('x', { ...base, exitCode: null, startError: 'spawn x ENOENT' }, 60_000)).toBe(
      'drill command x could not start: spawn x ENOENT',
    );
  });

  it('tells how to run scripts, which are not programs', () => {
    expect(scriptHint('C:\\check.CMD')).toContain('"cmd.exe", "/d", "/c"');
    expect(scriptHint('C:\\check.ps1')).toContain('"powershell.exe"');
    expect(scriptHint('C:\\check.exe')).toBe('');
  });
});
