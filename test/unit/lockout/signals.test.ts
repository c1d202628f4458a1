import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/cli';

let work: { dir: string; cleanup: () => Promise<void> };
let child: string;

beforeAll(async () => {
  work = await tempDir('avb-signals-');
  child = path.join(work.dir, 'signal-child.cjs');
  await build({
    entryPoints: [path.join(__dirname, 'signal-child.ts')],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
    loader: { '.ps1': 'text', '.psm1': 'text' },
    // Like the test bundle (build/bundle.mjs): the test-only hooks are compiled in.
    define: { __AVB_TEST_HOOKS__: 'true' },
  });
});
afterAll(async () => work?.cleanup());

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

function runChild(name: string, behaviour: string, signal?: NodeJS.Signals): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, path.join(work.dir, name), behaviour], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`child did not finish:\n${stdout}`));
    }, 30_000);
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (signal && d.includes('COPYING')) p.kill(signal);
    });
    p.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout });
    });
  });
}

function finalState(stdout: string) {
  const line = stdout.split('\n').find((l) => l.startsWith('STATE '));
  if (!line) throw new Error(`no state printed:\n${stdout}`);
  return JSON.parse(line.slice(6)) as {
    shares: Array<{ securityDescriptor: string }>;
    services: Array<{ status: string; startType: string }>;
    exeBack: number;
  };
}

describe('every exit path gives AVImark back (real signals, in-memory server)', () => {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${sig} during the copy: stops, gives back, exits 1 saying the partial is kept`, async () => {
      const r = await runChild(sig, 'signal', sig);
      expect(r.stdout).toMatch(
        new RegExp(`FAILED interrupted by ${sig}: AVImark was given back; the partial snapshot is kept`),
      );
      expect(r.code).toBe(1);
      const s = finalState(r.stdout);
      expect(s.shares[0].securityDescriptor).toBe('O:BAG:DUD:(A;;FA;;;WD)');
      expect(s.services[0]).toMatchObject({ status: 'Running', startType: 'AutomaticDelayedStart' });
      expect(s.exeBack).toBe(2); // renamed away and back
    });
  }

  it('an uncaught exception during the copy: gives back, exits 1', async () => {
    const r = await runChild('crash', 'crash');
    expect(r.code).toBe(1);
    const s = finalState(r.stdout);
    expect(s.shares[0].securityDescriptor).toBe('O:BAG:DUD:(A;;FA;;;WD)');
    expect(s.services[0]).toMatchObject({ status: 'Running', startType: 'AutomaticDelayedStart' });
    expect(s.exeBack).toBe(2);
  });
});
