// Child process for signals.test.ts: runs the nightly cycle against an in-memory server with a slow
// source, prints "COPYING" when the copy starts, and on exit prints the server state as one JSON line.
// argv: <workdir> <behaviour: signal | crash>
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { settingsFromInput } from '../../../src/config/load';
import { runNightlyCycle } from '../../../src/cycle/nightly';
import { localFs } from '../../../src/fs/local';
import type { FileSystem } from '../../../src/fs/types';
import { MemoryHost, createMemoryHostState } from '../../../src/host/memory';
import { silentLogger } from '../../../src/log/logger';

const [dir, behaviour] = process.argv.slice(2);
const source = path.join(dir, 'AVImark');

async function main(): Promise<void> {
  await mkdir(source, { recursive: true });
  await writeFile(path.join(source, 'avimark.exe'), 'MZ');
  for (let i = 0; i < 50; i += 1) await writeFile(path.join(source, `T${i}.V2$`), `table ${i}`);
  const state = createMemoryHostState({
    shares: [
      {
        name: 'AVImark',
        scopeName: '*',
        path: source,
        description: '',
        concurrentUserLimit: 0,
        cachingMode: 'Manual',
        folderEnumerationMode: 'Unrestricted',
        encryptData: false,
        continuouslyAvailable: false,
        caTimeout: 0,
        temporary: false,
        special: false,
        securityDescriptor: 'O:BAG:DUD:(A;;FA;;;WD)',
      },
    ],
    services: [
      { name: 'AVImarkServer', displayName: 'AVImark Server', status: 'Running', startType: 'AutomaticDelayedStart' },
    ],
  });
  const host = new MemoryHost(state);
  const report = () => {
    process.stdout.write(
      `STATE ${JSON.stringify({ shares: state.shares, services: state.services, exeBack: state.renames.length })}\n`,
    );
  };
  process.on('exit', report);
  let announced = false;
  const slowFs: FileSystem = {
    ...localFs,
    open: (async (...args: Parameters<FileSystem['open']>) => {
      if (!announced) {
        announced = true;
        process.stdout.write('COPYING\n');
        if (behaviour === 'crash')
          setTimeout(() => {
            throw new Error('simulated bug in an event handler');
          }, 50);
      }
      await new Promise((r) => setTimeout(r, 100));
      return localFs.open(...args);
    }) as FileSystem['open'],
  };
  const settings = settingsFromInput(
    {
      source,
      destination: path.join(dir, 'dest'),
      stateDir: path.join(dir, 'state'),
      mode: 'offline',
      lockout: { processes: [], warnMinutes: [0], gracePeriodSeconds: 0 },
    },
    null,
  );
  try {
    await runNightlyCycle({ settings, host, log: silentLogger(), sourceFs: slowFs });
    process.stdout.write('DONE\n');
  } catch (err) {
    process.stdout.write(`FAILED ${(err as Error).message}\n`);
    process.exitCode = (err as { exitCode?: number }).exitCode ?? 1;
  }
}

void main();
