import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPowerShellHost } from '../../../src/host/powershell';
import { HostError } from '../../../src/host/types';
import { pwshPath } from '../../helpers/pwsh';
import { createSimulatedServer, type SimulatedServer } from '../../helpers/sim';
import { LOCKED_SDDL, share } from '../../helpers/host-contract';

const run = promisify(execFile);

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`process ${pid} did not exit`);
}

describe('PowerShell bridge: one process, recovered after timeouts and crashes', { timeout: 120_000 }, () => {
  let sim: SimulatedServer;
  beforeAll(async () => {
    sim = await createSimulatedServer((p) => ({ shares: [share(p)] }));
  });
  afterAll(async () => {
    await sim?.cleanup();
  });

  it('keeps one PowerShell process across calls', async () => {
    const host = sim.createHost();
    await host.info();
    const pid = host.powerShellPid;
    expect(pid).toBeGreaterThan(0);
    await host.getShare('AVImark');
    await host.listSessions();
    expect(host.powerShellPid).toBe(pid);
    await host.dispose();
    await host.dispose();
    await expect(host.info()).rejects.toBeInstanceOf(HostError);
  });

  it('runs PowerShell with TERM=dumb (else .NET on Unix glues terminal sequences to the end delimiter and calls hang)', async () => {
    const { readFile } = await import('node:fs/promises');
    const host = createPowerShellHost({
      executable: pwshPath(),
      callTimeoutSeconds: 60,
      env: { ...sim.env, TERM: 'xterm' },
    });
    await host.info();
    const environ = (await readFile(`/proc/${host.powerShellPid}/environ`, 'utf8')).split('\0');
    expect(environ).toContain('TERM=dumb');
    await host.dispose();
  });

  it('a call that hangs times out with a clear error; the next call gets a fresh process', async () => {
    // Generous for a loaded CI machine: the first call of a fresh process also autoloads the modules.
    const host = sim.createHost({ callTimeoutSeconds: 20 });
    await host.info();
    const first = host.powerShellPid!;
    sim.updateState((s) => {
      s.knobs.hang = { 'Get-SmbShare': 300 };
    });
    await expect(host.getShare('AVImark')).rejects.toThrow(/did not answer getShare within 20 s/);
    await waitGone(first);
    sim.updateState((s) => {
      s.knobs = {};
    });
    expect((await host.getShare('AVImark'))?.name).toBe('AVImark');
    expect(host.powerShellPid).not.toBe(first);
    await host.dispose();
  });

  it('a killed PowerShell process is replaced by the next call', async () => {
    const host = sim.createHost();
    await host.info();
    const first = host.powerShellPid!;
    process.kill(first, 'SIGKILL');
    await waitGone(first);
    await new Promise((r) => setTimeout(r, 100));
    expect((await host.getShare('AVImark'))?.name).toBe('AVImark');
    expect(host.powerShellPid).not.toBe(first);
    await host.dispose();
  });

  it('a process that exits in the middle of a call (empty result) is an error, not success', async () => {
    const host = sim.createHost();
    await host.info();
    sim.updateState((s) => {
      s.knobs.exit = { 'Get-SmbShare': 0 };
    });
    await expect(host.getShare('AVImark')).rejects.toThrow(/exited before answering/);
    sim.updateState((s) => {
      s.knobs = {};
    });
    expect((await host.getShare('AVImark'))?.name).toBe('AVImark');
    await host.dispose();
  });

  it('passes -Force to every confirming cmdlet and never closes sessions or files without a filter', async () => {
    await sim.reset((p) => ({
      shares: [share(p)],
      sessions: [{ sessionId: '11', clientComputerName: 'PC1', clientUserName: 'HOSP\\a', numOpens: 1 }],
      openFiles: [
        {
          fileId: '21',
          sessionId: '11',
          path: `${p.volumeRoot}AVImark/X.V2$`,
          shareRelativePath: 'X.V2$',
          clientComputerName: 'PC1',
          clientUserName: 'HOSP\\a',
        },
      ],
    }));
    const host = sim.createHost();
    const saved = (await host.getShare('AVImark'))!;
    await host.setShareSecurityDescriptor('AVImark', LOCKED_SDDL);
    await host.closeOpenFiles(['21']);
    await host.closeSessions(['11']);
    await host.closeOpenFiles([]);
    await host.closeSessions([]);
    await host.removeShare('AVImark');
    await host.createShare(saved);
    const calls = (await sim.readState()).calls;
    const of = (command: string) => calls.filter((c) => c.Command === command).map((c) => c.Parameters);
    expect(of('Set-SmbShare')).toEqual([{ Name: ['AVImark'], SecurityDescriptor: LOCKED_SDDL, Force: true }]);
    expect(of('Remove-SmbShare')).toEqual([{ Name: ['AVImark'], Force: true }]);
    expect(of('Close-SmbOpenFile')).toEqual([{ FileId: [21], Force: true }]);
    expect(of('Close-SmbSession')).toEqual([{ SessionId: [11], Force: true }]);
    expect(of('New-SmbShare')[0]).toMatchObject({
      Name: 'AVImark',
      SecurityDescriptor: saved.securityDescriptor,
      Confirm: false,
    });
    await host.dispose();
  });

  it('a PowerShell that cannot start is a clear HostError (and never an unhandled rejection)', async () => {
    const host = createPowerShellHost({ executable: '/nonexistent/pwsh', callTimeoutSeconds: 5 });
    await expect(host.info()).rejects.toThrow(/Could not start PowerShell \(\/nonexistent\/pwsh\)/);
    await expect(host.getShare('x')).rejects.toBeInstanceOf(HostError);
    await host.dispose();
  });
});

describe('the simulator behaves like the documented cmdlets', () => {
  let sim: SimulatedServer;
  beforeAll(async () => {
    sim = await createSimulatedServer((p) => ({
      shares: [share(p)],
      sessions: [
        { sessionId: '1', clientComputerName: 'A', clientUserName: 'u1', numOpens: 0 },
        { sessionId: '2', clientComputerName: 'B', clientUserName: 'u2', numOpens: 0 },
      ],
    }));
  });
  afterAll(async () => {
    await sim?.cleanup();
  });

  async function pwsh(script: string): Promise<string> {
    const { stdout } = await run(pwshPath(), ['-NoProfile', '-NonInteractive', '-Command', script], { env: sim.env });
    return stdout.trim();
  }

  it('prompts (fails) without -Force, reports not-found as a non-terminating error, closes everything without a filter', async () => {
    const out = await pwsh(
      [
        "try { Set-SmbShare -Name AVImark -Description x } catch { 'prompt: ' + $_.FullyQualifiedErrorId }",
        "Get-SmbShare -Name Missing -ErrorAction SilentlyContinue; 'after: ' + $?",
        "try { Get-SmbShare -Name Missing -ErrorAction Stop } catch { 'fqid: ' + $_.FullyQualifiedErrorId + ' ' + $_.CategoryInfo.Category }",
        '(Get-SmbShare -Name AVImark | ConvertTo-Json -Compress | ConvertFrom-Json).CachingMode',
        'Close-SmbSession -Force',
        "'sessions: ' + @(Get-SmbSession).Count",
      ].join('\n'),
    );
    expect(out.split('\n')).toEqual([
      'prompt: SimulatedPromptWithoutForce,Set-SmbShare',
      'after: False',
      'fqid: CmdletizationQuery_NotFound_Name,Get-SmbShare ObjectNotFound',
      '2',
      'sessions: 0',
    ]);
  });

  it('Win32_ShadowCopy.Create reports failures as return values, never as errors', async () => {
    sim.updateState((s) => {
      s.knobs.shadowReturnValue = 8;
    });
    const out = await pwsh(
      `$r = Invoke-CimMethod -ClassName Win32_ShadowCopy -MethodName Create -Arguments @{ Volume = '${sim.volumeRoot}'; Context = 'ClientAccessible' }; "$($r.ReturnValue) $?"`,
    );
    expect(out).toBe('8 True');
  });
});

describe('the injection payloads are live (so the campaign can fail)', () => {
  it('interpolated into PowerShell text, a payload does create the canary', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { existsSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avb-live-'));
    try {
      const canary = path.join(dir, 'canary');
      const payload = '$(New-Item -ItemType File -Path $env:AVB_CANARY)';
      // What a naive `"${value}"` interpolation (node-powershell's string converter) would send:
      await run(pwshPath(), ['-NoProfile', '-NonInteractive', '-Command', `Write-Output "${payload}"`], {
        env: { ...process.env, AVB_CANARY: canary },
      });
      expect(existsSync(canary)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
