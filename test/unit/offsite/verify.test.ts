import { describe, expect, it } from 'vitest';
import { checkArgs } from '../../../src/offsite/verify';

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
});
