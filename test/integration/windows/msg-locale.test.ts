/**
 * Issue 13 §10: msg.exe's harmless "no console session" failure is localised (and its output can be
 * lost); the product must not depend on the English text.
 * Switch: state.msg.behaviour = noConsoleSessionGerman | noConsoleSessionSilent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runPwsh } from '../../helpers/run-pwsh';
import { createSimulatedServer, type SimulatedServer } from '../../helpers/sim';

let server: SimulatedServer | undefined;
afterEach(async () => {
  await server?.cleanup();
  server = undefined;
});

const send = `$out = & msg.exe '*' '/TIME:60' 'Backup in 5 minutes' 2>&1; "$LASTEXITCODE"; $out`;

describe('simulator: msg.exe on a German server', { timeout: 180_000 }, () => {
  it('noConsoleSessionGerman: exit 1 with the German text; the message is still delivered', async () => {
    server = await createSimulatedServer({ msg: 'noConsoleSessionGerman' });
    const r = await runPwsh(send, server.env);
    const [code, ...lines] = r.stdout.trim().split('\n');
    expect(code).toBe('1');
    expect(lines.join('\n')).toMatch(/^Fehler beim Senden der Nachricht an Sitzung Console : Fehler 2147500058/);
    expect((await server.readState()).messages).toHaveLength(1);
  });

  it('noConsoleSessionSilent: exit 1 and no output at all', async () => {
    server = await createSimulatedServer({ msg: 'noConsoleSessionSilent' });
    const r = await runPwsh(send, server.env);
    expect(r.stdout.trim()).toBe('1');
    expect((await server.readState()).messages).toHaveLength(1);
  });
});

describe('product: the harmless console-session failure in another language', { timeout: 180_000 }, () => {
  it('a German "no console session" counts as delivered', async () => {
    server = await createSimulatedServer({ msg: 'noConsoleSessionGerman' });
    const host = server.createHost();
    const result = await host.sendMessage('Backup in 5 minutes', 60);
    expect(result.delivered).toBe(true);
  });
});
