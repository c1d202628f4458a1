/**
 * The simulated msg.exe tells stand-ins a message arrived (SIGUSR2) by the PIDs in the simulator's
 * state. A recorded PID can since belong to another process (PIDs are reused, and parallel test files
 * start stand-ins all the time); msg.exe must signal only a process that is still the stand-in it
 * recorded, or it kills another test's stand-in before it listens for the signal.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulatedServer, type SimulatedServer, simBinDir } from '../../helpers/sim';

let server: SimulatedServer | undefined;
afterEach(async () => {
  await server?.cleanup();
  server = undefined;
});

const msg = (env: NodeJS.ProcessEnv) =>
  promisify(execFile)(process.execPath, [path.join(simBinDir, 'msg.exe'), '*', 'Backup in 5 minutes'], { env });

const exited = (p: { child: { once(e: 'exit', f: () => void): unknown } }) =>
  new Promise<void>((resolve) => p.child.once('exit', resolve));

describe('simulator: msg.exe signals only its own stand-ins', { timeout: 60_000 }, () => {
  it('a recorded PID now used by another process is left alone; the stand-in still hears the message', async () => {
    server = await createSimulatedServer({});
    const standin = await server.startProcess({ name: 'avimsgtest', exitsOnMessage: true });
    const gone = exited(standin);
    // An unrelated process with SIGUSR2's default action (terminate), recorded as if it had the PID of
    // a stand-in that exited.
    const other = await server.startUnrelatedProcess();
    server.updateState((st) => {
      st.processes.push({
        Pid: other.pid,
        Name: 'avimsgold',
        Exe: path.join(server?.dir ?? '', 'bin', 'avimsgold'),
        ExitsOnClose: false,
        ExitsOnMessage: true,
      });
    });

    await msg(server.env);
    await gone;
    expect(server.isAlive(standin.pid)).toBe(false);
    expect(server.isAlive(other.pid)).toBe(true);
    expect((await server.readState()).messages).toHaveLength(1);
  });
});
