import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors';
import { emailBody, emailSubject } from '../../../src/report/email';
import { EventId, runFinishedEvent } from '../../../src/report/event-log';
import { isProblem, outcomeFor, type RunAlert } from '../../../src/report/run-alert';

describe('the suspect outcome (exit 5, issue 14)', () => {
  const alert: RunAlert = {
    command: 'backup',
    outcome: outcomeFor(ExitCode.Suspect),
    exitCode: ExitCode.Suspect,
    startedAt: new Date('2026-11-26T01:00:00Z'),
    finishedAt: new Date('2026-11-26T01:20:00Z'),
    computerName: 'VETSRV01',
    message: 'SUSPECT: snapshot 2026-11-26_010000 looks like ransomware at work: 30 of 40 files changed content',
    summary: { snapshotId: '2026-11-26_010000', suspect: true, suspectReasons: ['30 of 40 files changed content'] },
  };

  it('is its own outcome, a problem (e-mailed), with Event Log id 1030 at level Error', () => {
    expect(alert.outcome).toBe('suspect');
    expect(isProblem('suspect')).toBe(true);
    const event = runFinishedEvent('avimark-backup', alert);
    expect([event.eventId, event.level]).toEqual([EventId.SuspectSnapshot, 'Error']);
    expect(event.message).toMatch(
      /^avimark-backup backup made a SUSPECT snapshot \(possible ransomware\) \(exit code 5\)/,
    );
    expect(event.message).toContain('"suspect": true');
  });

  it('has an e-mail subject an administrator cannot miss, and the reasons in the body', () => {
    expect(emailSubject(alert)).toBe('[avimark-backup] POSSIBLE RANSOMWARE: backup on VETSRV01');
    expect(emailBody(alert)).toContain('30 of 40 files changed content');
  });
});
