import { describe, expect, it } from 'vitest';
import { EventId, runFinishedEvent, runStartedEvent } from '../../../src/report/event-log';
import { outcomeFor, type RunAlert } from '../../../src/report/run-alert';

const base: RunAlert = {
  command: 'backup',
  outcome: 'success',
  exitCode: 0,
  startedAt: new Date('2026-11-26T01:00:00Z'),
  finishedAt: new Date('2026-11-26T01:05:00Z'),
  computerName: 'VETSRV01',
  message: 'snapshot complete',
  summary: { snapshotId: 'S1' },
};

describe('Event Log entries', () => {
  it('keeps the documented, stable ids', () => {
    expect(EventId).toEqual({
      RunStarted: 1000,
      RunSucceeded: 1001,
      RunFailed: 1002,
      LockoutNotUndone: 1003,
      RecoveredLeftoverLockout: 1004,
      VerificationDamage: 1005,
      RunSucceededWithWarnings: 1006,
      EmailFailed: 1007,
      OffsiteCopyFailed: 1008,
      SelftestProbe: 1010,
      StartupRecoverSucceeded: 1020,
      StartupRecoverFailed: 1021,
      StartupRecoverTimedOut: 1022,
      SuspectSnapshot: 1030,
    });
  });

  it('maps exit codes to outcomes and outcomes to id and level', () => {
    const cases: Array<[number, number, number, string]> = [
      [0, 0, EventId.RunSucceeded, 'Information'],
      [0, 2, EventId.RunSucceededWithWarnings, 'Warning'],
      [1, 0, EventId.RunFailed, 'Error'],
      [2, 0, EventId.RunFailed, 'Error'],
      [3, 0, EventId.VerificationDamage, 'Error'],
      [4, 0, EventId.LockoutNotUndone, 'Error'],
      [5, 0, EventId.SuspectSnapshot, 'Error'],
    ];
    for (const [exitCode, warnings, id, level] of cases) {
      const entry = runFinishedEvent('avimark-backup', { ...base, exitCode, outcome: outcomeFor(exitCode, warnings) });
      expect([exitCode, entry.eventId, entry.level]).toEqual([exitCode, id, level]);
    }
  });

  it('a recover that undid a left-over lockout is a warning (1004); one that found nothing is 1001', () => {
    const undid = runFinishedEvent('avimark-backup', {
      ...base,
      command: 'recover',
      summary: { undone: ['share AVImark ACL restored'] },
    });
    expect([undid.eventId, undid.level]).toEqual([EventId.RecoveredLeftoverLockout, 'Warning']);
    const nothing = runFinishedEvent('avimark-backup', { ...base, command: 'recover', summary: { undone: [] } });
    expect(nothing.eventId).toBe(EventId.RunSucceeded);
  });

  it('puts the message, what to do, what is still locked and the summary in the text, truncated to a safe size', () => {
    const entry = runFinishedEvent('src', {
      ...base,
      outcome: 'lockoutNotUndone',
      exitCode: 4,
      message: 'could not restore the share',
      hint: 'run avimark-backup recover',
      stillLocked: ['share AVImark', 'service AVImarkServer (Disabled)'],
      summary: { big: 'x'.repeat(40_000) },
    });
    expect(entry.message).toMatch(
      /^avimark-backup backup could NOT give AVImark back \(exit code 4\): could not restore the share\nWhat to do: run avimark-backup recover\nStill locked: share AVImark; service AVImarkServer \(Disabled\)/,
    );
    expect(entry.message.length).toBeLessThan(31_839);
    expect(entry.message).toMatch(/truncated; see the log\)$/);
    expect(runStartedEvent('src', 'backup', 'mode vss')).toEqual({
      source: 'src',
      eventId: 1000,
      level: 'Information',
      message: 'avimark-backup backup started. mode vss',
    });
  });
});

describe('a good night whose offsite copy failed', () => {
  it('is its own warning event (1008) and e-mail, saying "local backup OK, offsite copy failed"', async () => {
    const { alertForOutcome } = await import('../../../src/report/run-notifier');
    const { emailSubject } = await import('../../../src/report/email');
    const { isProblem } = await import('../../../src/report/run-alert');
    const alert = alertForOutcome(
      'backup',
      {
        exitCode: 0,
        text: 'Snapshot S1 complete',
        json: {
          offsite: { status: 'failed', message: 'offsite copy failed: unreachable' },
          warnings: ['local backup OK, offsite copy failed: unreachable'],
        },
      },
      base.startedAt,
      base.finishedAt,
    );
    expect(alert.outcome).toBe('offsiteFailed');
    expect(isProblem(alert.outcome)).toBe(true);
    const entry = runFinishedEvent('avimark-backup', alert);
    expect(entry).toMatchObject({ eventId: EventId.OffsiteCopyFailed, level: 'Warning' });
    expect(entry.message).toContain('local backup OK, offsite copy failed: unreachable');
    expect(emailSubject(alert)).toMatch(/^\[avimark-backup\] local backup OK, OFFSITE COPY FAILED: backup on /);
    const good = alertForOutcome(
      'backup',
      { exitCode: 0, text: 'ok', json: { offsite: { status: 'ok', alert: null } } },
      base.startedAt,
      base.finishedAt,
    );
    expect(good.outcome).toBe('success');
  });
});
