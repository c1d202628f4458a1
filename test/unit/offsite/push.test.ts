import { describe, expect, it } from 'vitest';
import { backupArgs } from '../../../src/offsite/push';

describe('secrets', () => {
  it('the backup command line holds tags, host and parent, nothing else', () => {
    const args = backupArgs({ snapshotId: 'S1', dir: '/d', source: 'C:\\AVI,mark' }, 'HOST', 'abc');
    expect(args).toEqual([
      'backup',
      '--json',
      '--host',
      'HOST',
      '--tag',
      'avimark-backup',
      '--tag',
      'snapshot=S1',
      '--tag',
      'source=C:\\AVI%2Cmark',
      '--ignore-ctime',
      '--parent',
      'abc',
      '.',
    ]);
  });
});
