import { describe, expect, it } from 'vitest';
import { interpretMsgResult } from '../../../src/host/msg-result';

describe('interpretMsgResult: the missing console session in any language (issue 13 §10)', () => {
  it('recognises the failure by its number, not its words', () => {
    const german = interpretMsgResult(1, ['Fehler beim Senden der Nachricht an Sitzung Console : Fehler 2147500058']);
    expect(german.delivered).toBe(true);
    const french = interpretMsgResult(1, [
      "Erreur lors de l'envoi du message à la session Console : Erreur 0x8000401A",
    ]);
    expect(french.delivered).toBe(true);
  });

  it('a number that merely contains the code, or another error, is not harmless', () => {
    expect(interpretMsgResult(1, ['Error 121474500589']).delivered).toBe(false);
    expect(interpretMsgResult(1, ['Fehler 5 beim Abrufen der Sitzungsnamen']).delivered).toBe(false);
  });

  it('exit 1 with no output cannot be told apart from a real failure: not delivered, and said so', () => {
    const silent = interpretMsgResult(1, []);
    expect(silent.delivered).toBe(false);
    expect(silent.warnings[0]).toMatch(/cannot be told apart/);
  });
});
