import type { ChildProcess } from 'node:child_process';
import type { InvocationResult, PowerShell } from 'node-powershell';
import { errorMessage } from '../../errors';
import { HostError } from '../types';
import { encodeRequest, encodeScriptLoad, parseEnvelope, PRELUDE, type RemoteError } from './protocol';

export interface PowerShellSessionOptions {
  /** 'powershell' (Windows PowerShell 5.1), 'pwsh' (PowerShell 7) or a full path. */
  executable: string;
  /** Default timeout of one call. */
  callTimeoutMs: number;
  /** The PowerShell code that defines Invoke-AvbRequest (ps/host: Host.ps1 and its area files). */
  script: string;
  /** Environment of the PowerShell process (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Startup (spawn + loading the script) timeout; default max(callTimeoutMs, 60 s). */
  startTimeoutMs?: number;
  onEvent?: (event: SessionEvent) => void;
}

export type SessionEvent =
  | { type: 'started'; pid: number | undefined }
  | { type: 'timeout'; op: string; timeoutMs: number }
  | { type: 'exited'; pid: number | undefined };

/** A PowerShell error reported by our script: the cmdlet's message, category and fully qualified error id. */
export class PowerShellCallError extends HostError {
  constructor(
    operation: string,
    readonly remote: RemoteError,
  ) {
    super(operation, remote.message);
    this.name = 'PowerShellCallError';
  }
}

/** The parts of node-powershell's Shell that are private in its types but needed to stay in control. */
interface ShellInternals {
  exitPromise: Promise<void>;
  process: ChildProcess;
}

interface Live {
  shell: PowerShell;
  internals: ShellInternals;
  exited: boolean;
}

class Timeout extends Error {}
class Interrupted extends Error {}

/**
 * One long-lived PowerShell process (node-powershell), our script loaded once. Calls are serialised.
 * A call that times out, or a process that exits, disposes the process; the next call starts a new one.
 */
export class PowerShellSession {
  private live: Live | null = null;
  private starting: Promise<Live> | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Ends the call in flight with Interrupted (set while one runs). */
  private cutShort: ((why: string) => void) | null = null;

  constructor(private readonly options: PowerShellSessionOptions) {}

  /** The pid of the current PowerShell process, if one is running (for diagnostics and crash tests). */
  get pid(): number | undefined {
    return this.live && !this.live.exited ? this.live.internals.process.pid : undefined;
  }

  call(op: string, args: Record<string, unknown>, timeoutMs = this.options.callTimeoutMs): Promise<unknown> {
    const run = this.tail.then(
      () => this.run(op, args, timeoutMs),
      () => this.run(op, args, timeoutMs),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Cuts short the call in flight, if any: it fails with a HostError saying so, the PowerShell process is stopped
   * (what it was doing stops with it) and the next call starts a new one. Calls queued behind it run as usual.
   */
  interrupt(why: string): void {
    this.cutShort?.(why);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.tail;
    await this.kill();
  }

  private async run(op: string, args: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    if (this.disposed) throw new HostError(op, 'The PowerShell host was already released.');
    let live = await this.ensure(op);
    const command = encodeRequest(op, args);
    let result: InvocationResult;
    try {
      result = await this.invoke(live, command, timeoutMs);
    } catch (err) {
      if (err instanceof Interrupted) {
        await this.kill();
        throw new HostError(op, `${op} was cut short (${err.message}); the PowerShell process was stopped.`, {
          cause: err,
        });
      }
      if (err instanceof Timeout) {
        this.options.onEvent?.({ type: 'timeout', op, timeoutMs });
        await this.kill();
        throw new HostError(
          op,
          `PowerShell did not answer ${op} within ${Math.round(timeoutMs / 1000)} s; the PowerShell process was stopped and will be restarted for the next call.`,
          { cause: err },
        );
      }
      if (/invoke called after process exited/.test(errorMessage(err))) {
        // Nothing was sent: the process had already gone. Safe to start a new one and send once.
        live = await this.ensure(op);
        result = await this.invoke(live, command, timeoutMs).catch(async (again: unknown) => {
          await this.kill();
          throw new HostError(op, `PowerShell failed during ${op}: ${errorMessage(again)}`, { cause: again });
        });
      } else {
        await this.kill();
        throw new HostError(op, `PowerShell failed during ${op}: ${errorMessage(err)}`, { cause: err });
      }
    } finally {
      live.shell.history.splice(0);
    }
    const stdout = result.stdout?.toString('utf8') ?? '';
    const stderr = result.stderr?.toString('utf8').trim() ?? '';
    const envelope = parseEnvelope(stdout);
    if (envelope === null) {
      const exited =
        live.exited || live.internals.process.exitCode !== null || live.internals.process.signalCode !== null;
      if (exited) this.forget(live);
      const why = exited ? 'the PowerShell process exited before answering' : 'PowerShell returned no result';
      throw new HostError(op, `${why} (${op})${stderr ? `: ${stderr}` : stdout.trim() ? `: ${stdout.trim()}` : ''}`);
    }
    if (!envelope.ok) throw new PowerShellCallError(op, envelope.error);
    return envelope.result;
  }

  private invoke(live: Live, command: string, timeoutMs: number): Promise<InvocationResult> {
    return new Promise<InvocationResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Timeout()), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        if (this.cutShort === cut) this.cutShort = null;
      };
      const cut = (why: string) => {
        done();
        reject(new Interrupted(why));
      };
      this.cutShort = cut;
      live.shell.invoke(command).then(
        (r) => {
          done();
          resolve(r);
        },
        (e: unknown) => {
          done();
          reject(e);
        },
      );
    });
  }

  private async ensure(op: string): Promise<Live> {
    if (
      this.live &&
      !this.live.exited &&
      this.live.internals.process.exitCode === null &&
      this.live.internals.process.signalCode === null
    ) {
      return this.live;
    }
    if (this.live) this.forget(this.live);
    this.starting ??= this.start().finally(() => {
      this.starting = null;
    });
    try {
      return await this.starting;
    } catch (err) {
      throw new HostError(
        op,
        `Could not start PowerShell (${this.options.executable}): ${errorMessage(err)}. Check powershell.executable in the configuration.`,
        { cause: err },
      );
    }
  }

  private async start(): Promise<Live> {
    // Loaded on the first call: commands that never reach PowerShell do not pay for it (memory).
    const { PowerShell } = await import('node-powershell');
    const shell = new PowerShell({
      executable: this.options.executable,
      executableOptions: { '-NoProfile': true, '-NonInteractive': true },
      // TERM=dumb: on Unix, .NET writes terminal mode sequences (ESC[?1h ESC[?1l) to stdout before every line
      // it reads; glued behind node-powershell's end delimiter they hide it and the call hangs. No effect on Windows.
      spawnOptions: { env: { ...(this.options.env ?? process.env), TERM: 'dumb' }, windowsHide: true },
      throwOnInvocationError: false,
    });
    const internals = shell as unknown as ShellInternals;
    const live: Live = { shell, internals, exited: false };
    // Attach at once: a spawn failure must never become an unhandled rejection.
    internals.exitPromise.then(
      () => this.onExit(live),
      () => this.onExit(live),
    );
    this.live = live;
    this.options.onEvent?.({ type: 'started', pid: internals.process.pid });
    const timeoutMs = this.options.startTimeoutMs ?? Math.max(this.options.callTimeoutMs, 60_000);
    try {
      for (const command of [PRELUDE, encodeScriptLoad(this.options.script)]) {
        const r = await this.invoke(live, command, timeoutMs);
        shell.history.splice(0);
        if (live.exited) throw new Error(r.stderr?.toString('utf8').trim() || 'the process exited while starting');
        const stderr = r.stderr?.toString('utf8').trim();
        if (stderr) throw new Error(stderr);
      }
    } catch (err) {
      await this.kill();
      throw err instanceof Timeout ? new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`) : err;
    }
    return live;
  }

  private onExit(live: Live): void {
    live.exited = true;
    this.options.onEvent?.({ type: 'exited', pid: live.internals.process.pid });
    this.forget(live);
  }

  private forget(live: Live): void {
    if (this.live === live) this.live = null;
  }

  private async kill(): Promise<void> {
    const live = this.live;
    if (!live) return;
    this.forget(live);
    if (live.exited) return;
    await live.shell.dispose('SIGKILL').catch(() => undefined);
  }
}
