import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryHost } from '../../../src/host/memory';
import { HostError } from '../../../src/host/types';
import { hostContract } from '../../helpers/host-contract';
import { memoryHarness } from '../../helpers/host-harness';

process.env.AVB_CANARY = path.join(os.tmpdir(), `avb-canary-mem-${process.pid}`);
hostContract('in-memory host', memoryHarness);

describe('in-memory host extras', () => {
  it('records every call in order and injects faults', async () => {
    const host = createMemoryHost({ faults: [{ operation: 'getShare', message: 'boom', times: 2 }] });
    await expect(host.getShare('x')).rejects.toThrow(HostError);
    await expect(host.getShare('x')).rejects.toThrow('boom');
    expect(await host.getShare('x')).toBeNull();
    expect(host.state.calls.map((c) => c.operation)).toEqual(['getShare', 'getShare', 'getShare']);
  });

  it('a watchdog acts at the very next call after a stop', async () => {
    const host = createMemoryHost({
      services: [{ name: 'S', displayName: 'S', status: 'Running', startType: 'Automatic', watchdog: true }],
    });
    await host.stopService('S', 1);
    expect(host.state.services[0].status).toBe('Stopped');
    // Disabling after stopping is too late: the watchdog already restarted it at this call.
    await host.setServiceStartType('S', 'Disabled');
    expect(host.state.services[0]).toMatchObject({ status: 'Running', startType: 'Disabled' });
  });

  it('a process that ignores force (access denied) is reported', async () => {
    const host = createMemoryHost({
      processes: [
        { id: 7, name: 'avimark', sessionId: 2, userName: null, path: null, alive: true, accessDenied: true },
      ],
    });
    await expect(host.forceStopProcesses([7])).rejects.toThrow(/Access is denied/);
    expect(await host.waitForProcessExit([7], 1)).toEqual([7]);
  });

  it('msg.exe missing is reported as not delivered', async () => {
    const host = createMemoryHost({ messageBehaviour: 'missing' });
    expect(await host.sendMessage('x', 1)).toMatchObject({ delivered: false, exitCode: -1 });
  });
});
