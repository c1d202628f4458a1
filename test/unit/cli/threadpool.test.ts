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
