import type { MessageResult } from './types';

/**
 * Interprets what msg.exe did. Microsoft documents no exit codes: 0 means every target got the
 * message, anything else at least one failure. `msg *` always includes session 1 / the console
 * session, which does not exist on a headless terminal server; that failure alone is harmless
 * (ansible/ansible#67414, community.windows#533: "Error sending message to session Console : Error 2147500058").
 * The words are localised ("Fehler beim Senden der Nachricht an Sitzung Console : Fehler 2147500058"),
 * so the line is recognised by its number alone: 2147500058 is the HRESULT 0x8000401A, the same in every
 * language (decimal, hex or signed -2147467238 are all accepted).
 */
const HARMLESS_CODES = ['2147500058', '8000401a', '-2147467238'];

function isHarmless(line: string): boolean {
  const lower = line.toLowerCase();
  return HARMLESS_CODES.some((code) => new RegExp(`(^|[^0-9a-z])(0x)?${code}([^0-9a-z]|$)`).test(lower));
}

export function interpretMsgResult(exitCode: number, output: string[]): MessageResult {
  const lines = output.map((l) => l.trim()).filter((l) => l.length > 0);
  if (exitCode === 0) return { delivered: true, exitCode, warnings: lines };
  const harmful = lines.filter((l) => !isHarmless(l));
  if (lines.length > 0 && harmful.length === 0) {
    return { delivered: true, exitCode, warnings: lines.map((l) => `msg.exe: ${l} (no console session; harmless)`) };
  }
  const detail = lines.length > 0 ? lines.join(' | ') : 'no output (a missing console session cannot be told apart)';
  return { delivered: false, exitCode, warnings: [`msg.exe exited with code ${exitCode}: ${detail}`] };
}

/** msg.exe could not be started at all (not installed, e.g. Home editions, or a 32-bit process without Sysnative). */
export function msgUnavailable(reason: string): MessageResult {
  return { delivered: false, exitCode: -1, warnings: [`msg.exe could not be run: ${reason}`] };
}
