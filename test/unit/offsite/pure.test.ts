import { describe, expect, it } from 'vitest';
import { offsiteSchema } from '../../../src/config/schema';
import { ConfigError, RunFailedError, UsageError } from '../../../src/errors';
import { parseEnvironmentText, scrubSecrets } from '../../../src/offsite/environment';
import { parseBackupLine, parseSnapshots } from '../../../src/offsite/json';
import { findOffsiteSnapshot, pushTags, snapshotIdOf, sourceOf } from '../../../src/offsite/list';
import { nightsBetween, skipReason } from '../../../src/offsite/night';
import { backupArgs } from '../../../src/offsite/push';
import { classifyFailure, failureError, type ResticOutcome } from '../../../src/offsite/restic';
import { countRemoved, forgetArgs } from '../../../src/offsite/retention';
import { EMPTY_STATE, offsiteStatus } from '../../../src/offsite/status';
import { checkArgs } from '../../../src/offsite/verify';

const outcome = (code: number | null, stderr: string, timedOut = false): ResticOutcome => ({
  code,
  signal: null,
  stdout: '',
  stderr,
  timedOut,
  aborted: false,
  timeoutMs: 120_000,
});

describe('exit codes of restic 0.14 and 0.17+', () => {
  it.each([
    [1, 'Fatal: wrong password or no key found', 'wrong-password'],
    [12, 'Fatal: an error', 'wrong-password'],
    [
      1,
      'Fatal: unable to open config file: stat /r/config: no such file or directory\nIs there a repository at the following location?',
      'no-repository',
    ],
    [10, 'Fatal: repository does not exist', 'no-repository'],
    [
      1,
      'Fatal: unable to open config file: Head "http://127.0.0.1:9/x/config": dial tcp 127.0.0.1:9: connect: connection refused\nIs there a repository at the following location?',
      'unreachable',
    ],
    [1, 'unable to create lock in backend: repository is already locked by PID 7', 'locked'],
    [11, 'Fatal: x', 'locked'],
    [130, 'signal interrupt received, cleaning up', 'interrupted'],
    [3, 'Warning: at least one source file could not be read', 'partial'],
    [1, 'Fatal: something else', 'other'],
  ] as const)('code %i: %s → %s', (code, stderr, kind) => {
    expect(classifyFailure(outcome(code, stderr))).toBe(kind);
  });

  it('a timeout wins, and a wrong password is a UsageError (exit 2), the rest exit 1', () => {
    expect(classifyFailure(outcome(null, 'wrong password', true))).toBe('timeout');
    expect(failureError('x', outcome(1, 'Fatal: wrong password or no key found'), 'repo')).toBeInstanceOf(UsageError);
    const timeout = failureError('push', outcome(null, '', true), 'repo');
    expect(timeout).toBeInstanceOf(RunFailedError);
    expect(timeout.message).toMatch(/within 2 minute/);
  });
});

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

describe('restic JSON', () => {
  it('parses status and summary lines of 0.14 (short id) and tolerates missing fields', () => {
    expect(parseBackupLine('{"message_type":"status","percent_done":0,"total_files":1,"total_bytes":5}')).toMatchObject(
      {
        type: 'status',
        status: { percentDone: 0, totalFiles: 1, totalBytes: 5, bytesDone: 0 },
      },
    );
    expect(parseBackupLine('{"message_type":"summary","data_added":42,"snapshot_id":"e8628f97"}')).toMatchObject({
      type: 'summary',
      summary: { dataAdded: 42, snapshotId: 'e8628f97', filesNew: 0 },
    });
    expect(parseBackupLine('not json')).toEqual({ type: 'other' });
  });

  it('snapshots sort oldest first; our IDs and sources come from the tags', () => {
    const snaps = parseSnapshots(
      JSON.stringify([
        { id: 'b'.repeat(64), time: '2026-11-26T02:00:00Z', hostname: 'H', tags: pushTags('S2', 'C:\\A,B') },
        { id: 'a'.repeat(64), time: '2026-11-25T02:00:00Z', hostname: 'H', tags: pushTags('S1', null) },
      ]),
    );
    expect(snaps.map(snapshotIdOf)).toEqual(['S1', 'S2']);
    expect(sourceOf(snaps[1])).toBe('C:\\A,B');
    expect(findOffsiteSnapshot(snaps, 'latest').id).toBe('b'.repeat(64));
    expect(findOffsiteSnapshot(snaps, 'S1').id).toBe('a'.repeat(64));
    expect(findOffsiteSnapshot(snaps, 'bbbbbbbb').id).toBe('b'.repeat(64));
    expect(() => findOffsiteSnapshot(snaps, 'S9')).toThrow(UsageError);
    expect(() => findOffsiteSnapshot([], 'latest')).toThrow(/no offsite copies/);
  });

  it('counts what forget removed', () => {
    expect(countRemoved('[{"keep":[{}],"remove":[{},{}]},{"remove":null}]\nloading indexes...')).toBe(2);
    expect(countRemoved('')).toBe(0);
  });
});

describe('plans', () => {
  it('check reads a rotating slice so scrubDays runs read everything', () => {
    const seen: string[] = [];
    let slice = 1;
    for (let i = 0; i < 4; i++) {
      const plan = checkArgs(slice, 3);
      seen.push(plan.args.join(' '));
      slice = plan.nextSlice;
    }
    expect(seen).toEqual([
      'check --read-data-subset 1/3',
      'check --read-data-subset 2/3',
      'check --read-data-subset 3/3',
      'check --read-data-subset 1/3',
    ]);
    expect(checkArgs(9, 3).subset).toBe('3/3'); // scrubDays lowered since: still in range
    expect(checkArgs(5, 1).args).toEqual(['check', '--read-data']);
  });

  it('forget groups by host (never by the nightly paths); append-only never forgets', () => {
    expect(forgetArgs('append-only', 'H')).toBeNull();
    const args = forgetArgs({ keepDaily: 14, keepWeekly: 8, keepMonthly: 12 }, 'H') ?? [];
    expect(args.join(' ')).toBe(
      'forget --json --host H --tag avimark-backup --group-by host --keep-daily 14 --keep-weekly 8 --keep-monthly 12 --prune',
    );
  });

  it('everyNights counts calendar nights', () => {
    expect(nightsBetween(new Date(2026, 10, 25, 23, 0), new Date(2026, 10, 26, 1, 0))).toBe(1);
    const offsite = offsiteSchema.parse({ restic: '/r', repository: 'x', passwordFile: '/p', everyNights: 3 });
    const state = {
      ...EMPTY_STATE,
      lastPush: { snapshotId: 'S', resticSnapshotId: 'r', at: new Date(2026, 10, 25, 2).toISOString(), bytesAdded: 0 },
    };
    expect(skipReason(offsite, state, new Date(2026, 10, 27, 2))).toMatch(/every 3 nights/);
    expect(skipReason(offsite, state, new Date(2026, 10, 28, 2))).toBeNull();
    expect(skipReason(null, state, new Date())).toMatch(/no offsite/);
  });

  it('status gives the age of the newest copy and alerts past maxAgeDays', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    expect(offsiteStatus(EMPTY_STATE, 3, now).alert).toMatch(/no offsite copy yet/);
    const state = {
      ...EMPTY_STATE,
      lastPush: { snapshotId: 'S', resticSnapshotId: 'r', at: '2026-11-26T12:00:00Z', bytesAdded: 1 },
      lastCheck: { at: '2026-11-29T12:00:00Z', ok: true, subset: '1/30', message: '' },
    };
    const status = offsiteStatus(state, 3, now);
    expect(status.newestCopy?.ageDays).toBe(4);
    expect(status.lastCheck?.ageDays).toBe(1);
    expect(status.alert).toMatch(/4 days old/);
    expect(offsiteStatus(state, 5, now).alert).toBeNull();
  });
});
