import type { MessageResult } from './types';

/**
 * Interprets what msg.exe did. Microsoft documents no exit codes: 0 means every target got the
 * message, anything else at least one failure. `msg *` always includes session 1 / the console
 * session, which does not exist on a headless terminal server; that failure alone is harmless
 * (ansible/ansible#67414, community.windows#533: "Error sending message to session Console : Error 2147500058").
 */
const HARMLESS = /^error sending message to session (console|1)\b/i;

export function interpretMsgResult(exitCode: number, output: string[]): MessageResult {
  const lines = output.map((l) => l.trim()).filter((l) => l.length > 0);
  if (exitCode === 0) return { delivered: true, exitCode, warnings: lines };
  const harmful = lines.filter((l) => !HARMLESS.test(l));
  if (lines.length > 0 && harmful.length === 0) {
    return { delivered: true, exitCode, warnings: lines.map((l) => `msg.exe: ${l} (no console session; harmless)`) };
  }
  const detail = lines.length > 0 ? lines.join(' | ') : 'no output';
  return { delivered: false, exitCode, warnings: [`msg.exe exited with code ${exitCode}: ${detail}`] };
}

/** msg.exe could not be started at all (not installed, e.g. Home editions, or a 32-bit process without Sysnative). */
export function msgUnavailable(reason: string): MessageResult {
  return { delivered: false, exitCode: -1, warnings: [`msg.exe could not be run: ${reason}`] };
}
