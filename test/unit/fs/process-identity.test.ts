import { describe, expect, it } from 'vitest';
import { ownIdentity, ownerAlive, type ProbeResult } from '../../../src/fs/process-identity';

const seen =
  (result: ProbeResult) =>
  (_pid: number): ProbeResult =>
    result;

describe('ownerAlive: PID, creation time and image name (issue 13 §1)', () => {
  it('this very process is alive by its own recorded identity', () => {
    expect(ownerAlive(ownIdentity())).toBe(true);
  });

  it('a gone PID, another creation time or another image is not the owner', () => {
    const owner = { pid: 42, createdAt: 'linux:b:100', image: 'avimark-backup' };
    expect(ownerAlive(owner, seen({ state: 'gone' }))).toBe(false);
    expect(ownerAlive(owner, seen({ state: 'exists', createdAt: 'linux:b:200', image: 'avimark-backup' }))).toBe(false);
    expect(ownerAlive(owner, seen({ state: 'exists', createdAt: null, image: 'svchost' }))).toBe(false);
    expect(ownerAlive(owner, seen({ state: 'exists', createdAt: 'linux:b:100', image: 'avimark-backup' }))).toBe(true);
  });

  it('Windows creation times match within the tolerance only', () => {
    const owner = { pid: 42, createdAt: 'utc:2026-12-04T02:00:00.000Z', image: 'avimark-backup' };
    const at = (iso: string) => seen({ state: 'exists', createdAt: `utc:${iso}`, image: 'avimark-backup' });
    expect(ownerAlive(owner, at('2026-12-04T02:00:01.200Z'))).toBe(true);
    expect(ownerAlive(owner, at('2026-12-04T02:03:00.000Z'))).toBe(false);
  });

  it('a record without identity (older versions) is checked by its PID alone', () => {
    expect(ownerAlive({ pid: 42 }, seen({ state: 'exists', createdAt: 'linux:b:1', image: 'node' }))).toBe(true);
    expect(ownerAlive({ pid: 42 }, seen({ state: 'gone' }))).toBe(false);
  });
});
