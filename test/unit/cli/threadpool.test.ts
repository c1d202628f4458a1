import { afterEach, describe, expect, it, vi } from 'vitest';

const saved = process.env.UV_THREADPOOL_SIZE;
afterEach(() => {
  if (saved === undefined) delete process.env.UV_THREADPOOL_SIZE;
  else process.env.UV_THREADPOOL_SIZE = saved;
  vi.resetModules();
});

describe('thread pool size', () => {
  it('is raised for the CLI, and kept when the administrator set one', async () => {
    delete process.env.UV_THREADPOOL_SIZE;
    const { THREADPOOL_SIZE } = await import('../../../src/cli/threadpool');
    expect(process.env.UV_THREADPOOL_SIZE).toBe(String(THREADPOOL_SIZE));
    vi.resetModules();
    process.env.UV_THREADPOOL_SIZE = '6';
    await import('../../../src/cli/threadpool');
    expect(process.env.UV_THREADPOOL_SIZE).toBe('6');
  });

  it('is set before anything else the CLI entry imports', async () => {
    const { readFileSync } = await import('node:fs');
    const entry = readFileSync(new URL('../../../src/cli/main.ts', import.meta.url), 'utf8');
    expect(entry.split('\n')[0]).toBe("import './threadpool';");
  });
});

// Imported per test: importing the module sets the variable (the tests above check that).
const threadpool = () => import('../../../src/cli/threadpool');
const exe = 'C:\\Program Files\\avimark-backup\\avimark-backup.exe';
const base = { platform: 'win32' as const, env: { PATH: 'C:\\Windows' }, execPath: exe, execArgv: [] };

describe('relaunchFor (the Windows thread pool size)', () => {
  it('on Windows without the variable, the single executable starts itself again with it and only its arguments', async () => {
    const { NO_RELAUNCH_ENV, THREADPOOL_SIZE, relaunchFor } = await threadpool();
    const plan = relaunchFor({ ...base, argv: [exe, exe, 'backup', '--json'] });
    expect(plan).toEqual({
      command: exe,
      args: ['backup', '--json'],
      env: { PATH: 'C:\\Windows', UV_THREADPOOL_SIZE: String(THREADPOOL_SIZE), [NO_RELAUNCH_ENV]: '1' },
    });
  });

  it('run as node script, passes Node options and the script again', async () => {
    const { relaunchFor } = await threadpool();
    const node = 'C:\\node\\node.exe';
    const plan = relaunchFor({
      ...base,
      execPath: node,
      execArgv: ['--enable-source-maps'],
      argv: [node, 'D:\\dist\\cli.cjs', 'status'],
    });
    expect(plan?.args).toEqual(['--enable-source-maps', 'D:\\dist\\cli.cjs', 'status']);
  });

  it('never relaunches when the variable was there at start, in the child, or on other platforms', async () => {
    const { NO_RELAUNCH_ENV, relaunchFor } = await threadpool();
    const argv = [exe, exe, 'backup'];
    expect(relaunchFor({ ...base, argv, env: { UV_THREADPOOL_SIZE: '8' } })).toBeNull();
    expect(relaunchFor({ ...base, argv, env: { [NO_RELAUNCH_ENV]: '1' } })).toBeNull();
    expect(relaunchFor({ ...base, argv, platform: 'linux' })).toBeNull();
  });
});
