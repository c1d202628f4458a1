import { expect, it } from 'vitest';
import { createSimulatedServer } from '../helpers/sim';

it('smoke', async () => {
  const sim = await createSimulatedServer((p) => ({
    shares: [{ name: 'AVImark', scopeName: '*', path: p.volumeRoot + 'AVImark', description: 'd', concurrentUserLimit: 0, cachingMode: 'Manual', folderEnumerationMode: 'Unrestricted', encryptData: false, continuouslyAvailable: false, caTimeout: 0, temporary: false, special: false, securityDescriptor: 'O:BAG:BAD:(A;;FA;;;WD)' }],
    services: [{ name: 'AVImarkServer', startType: 'AutomaticDelayedStart' }],
    processes: [{ name: 'avimark', exitsOnMessage: true }, { name: 'avimark' }],
  }));
  const host = sim.createHost();
  try {
    console.log(await host.info());
    console.log(await host.getShare('avimark'));
    console.log(await host.getShare('nope'));
    console.log(await host.getService('AVImarkServer'));
    console.log(await host.listProcesses(['avimark']));
    console.log(await host.sendMessage('hi $(x) "q"', 5));
    console.log(await host.waitForProcessExit(sim.processes.map((p) => p.pid), 2));
    console.log(await host.getVolumeRoot(sim.volumeRoot + 'AVImark'));
    await host.writeEvent({ source: 'avimark-backup', eventId: 1, level: 'Information', message: 'x' });
    const st = await sim.readState();
    console.log(st.messages, st.events);
  } finally {
    await sim.cleanup();
  }
}, 60000);
