import { describe, expect, it } from 'vitest';
import * as z from '../../src/validation';

const firstMessage = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.error?.issues[0]?.message;

describe('validation (zod mini, configured once)', () => {
  it("gives zod's English messages (the mini build alone says only 'Invalid input')", () => {
    expect(firstMessage(z.string().safeParse(1))).toBe('Invalid input: expected string, received number');
    expect(firstMessage(z.int().check(z.gte(1)).safeParse(0))).toBe('Too small: expected number to be >=1');
    expect(firstMessage(z.strictObject({ a: z.string() }).safeParse({ a: 'x', b: 1 }))).toBe('Unrecognized key: "b"');
  });

  it('keeps a message given with a check', () => {
    expect(firstMessage(z.number().check(z.positive('must be more than zero')).safeParse(0))).toBe(
      'must be more than zero',
    );
  });
});
