import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors';
import { parseEnvironmentText, scrubSecrets } from '../../../src/offsite/environment';

describe('secrets', () => {
  it('parses KEY=VALUE files and never quotes a value in an error', () => {
    const env = parseEnvironmentText(
      '\uFEFF# keys\r\nB2_ACCOUNT_ID=abc\r\nexport AWS_SECRET_ACCESS_KEY="s3cr=t"\r\n\r\n',
    );
    expect([...env]).toEqual([
      ['B2_ACCOUNT_ID', 'abc'],
      ['AWS_SECRET_ACCESS_KEY', 's3cr=t'],
    ]);
    expect(() => parseEnvironmentText('just-a-secret-value')).toThrow(ConfigError);
    try {
      parseEnvironmentText('ok=1\njust-a-secret-value');
    } catch (err) {
      expect((err as Error).message).toMatch(/line 2/);
      expect((err as Error).message).not.toContain('just-a-secret-value');
    }
    expect(() => parseEnvironmentText('RESTIC_PASSWORD=x')).toThrow(/offsite\.passwordFile only/);
  });

  it('scrubs secrets and URL credentials', () => {
    expect(scrubSecrets('open rest:https://u:hunter2@h/r with hunter2', ['hunter2'])).toBe(
      'open rest:https://u:***@h/r with ***',
    );
  });
});
