import { describe, expect, it } from 'vitest';
import { offsiteSchema } from '../../../src/config/schema';

describe('offsite config (secrets)', () => {
  it('refuses credentials in the repository URL', () => {
    const base = { restic: '/usr/bin/restic', passwordFile: '/p' };
    expect(offsiteSchema.safeParse({ ...base, repository: 'rest:https://u:p@h/r' }).success).toBe(false);
    expect(offsiteSchema.safeParse({ ...base, repository: 'rest:https://h/r' }).success).toBe(true);
    expect(offsiteSchema.safeParse({ ...base, repository: 'sftp:user@host:/srv/r' }).success).toBe(true);
    expect(offsiteSchema.parse({ ...base, repository: 'x' }).retention).toBe('append-only');
    expect(
      offsiteSchema.safeParse({ ...base, repository: 'x', retention: { keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } })
        .success,
    ).toBe(false);
  });
});
