/**
 * The wire format between Node and ps/host/Host.ps1 (pure, unit-tested):
 * a request is ONE line `Invoke-AvbRequest '<base64(UTF-8 JSON {op, args})>'` — base64's alphabet
 * (A–Z a–z 0–9 + / =) cannot leave a single-quoted PowerShell literal, so no value can become code;
 * the answer is ONE stdout line `@@AVB@@{"ok":true,"result":…}` or `@@AVB@@{"ok":false,"error":{…}}`.
 */

export const RESULT_MARKER = '@@AVB@@';

export interface RemoteError {
  message: string;
  category: string;
  fqid: string;
}

export type Envelope = { ok: true; result: unknown } | { ok: false; error: RemoteError };

export function encodeRequest(op: string, args: Record<string, unknown>): string {
  if (!/^[A-Za-z]+$/.test(op)) throw new Error(`invalid operation name: ${op}`);
  const payload = Buffer.from(JSON.stringify({ op, args }), 'utf8').toString('base64');
  return `Invoke-AvbRequest '${payload}'`;
}

/** The command that loads our script once: the script is constant text, shipped as base64 to keep it one line. */
export function encodeScriptLoad(script: string): string {
  const payload = Buffer.from(script, 'utf8').toString('base64');
  return `. ([ScriptBlock]::Create([System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${payload}'))))`;
}

/** First command of every process: UTF-8 both ways, no progress bars. */
export const PRELUDE =
  "[Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false); $OutputEncoding = [System.Text.UTF8Encoding]::new($false); $ProgressPreference = 'SilentlyContinue'";

/** Finds the envelope in a call's stdout; null when there is none (the process died or printed nothing). */
export function parseEnvelope(stdout: string): Envelope | null {
  const lines = stdout.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const at = lines[i].indexOf(RESULT_MARKER);
    if (at === -1) continue;
    const parsed: unknown = JSON.parse(lines[i].slice(at + RESULT_MARKER.length));
    if (typeof parsed !== 'object' || parsed === null || !('ok' in parsed))
      throw new Error('malformed result envelope');
    return parsed as Envelope;
  }
  return null;
}
