import { describe, expect, it } from 'vitest';
import { splitWindowsArgs } from '../../sim/scheduler.cjs';
import { applyStep } from '../../../src/lockout/apply';
import { recoverCommand, safetyNetStep } from '../../../src/lockout/safety-net';
import { undoStep } from '../../../src/lockout/undo';
import { hospital } from '../../helpers/hospital';

describe('safety net (issue 13 §2)', () => {
  it('runs our own executable with recover --config <absolute path>, quoted for CommandLineToArgvW', () => {
    const bundle = recoverCommand(
      ['/usr/bin/node', '/opt/avb dir/avimark-backup.cjs', 'backup', '--config', '/etc/avb "x"/config.json', '--json'],
      '/usr/bin/node',
    );
    expect(bundle.execute).toBe('/usr/bin/node');
    expect(splitWindowsArgs(bundle.argument)).toEqual([
      '/opt/avb dir/avimark-backup.cjs',
      'recover',
      '--config',
      '/etc/avb "x"/config.json',
    ]);
    const exe = recoverCommand(
      ['C:\\avb\\avimark-backup.exe', 'backup', '--config=C:\\conf\\c.json'],
      'C:\\avb\\avimark-backup.exe',
    );
    expect(splitWindowsArgs(exe.argument)).toEqual(['recover', '--config', expect.stringContaining('c.json')]);
    expect(recoverCommand(['x.exe', 'backup'], 'x.exe').argument).toBe('recover');
  });

  it('fires at lockout start + maxLockoutMinutes + the margin', () => {
    const step = safetyNetStep({
      now: new Date('2026-12-04T02:00:00Z'),
      maxLockoutMinutes: 30,
      command: { execute: 'a.exe', argument: 'recover' },
    });
    expect(step.runAt).toBe('2026-12-04T02:40:00.000Z');
  });

  it('is registered as SYSTEM with its trigger, and undo removes it (twice is fine)', async () => {
    const h = await hospital();
    try {
      const host = h.host;
      const step = safetyNetStep({
        now: new Date(),
        maxLockoutMinutes: 5,
        command: { execute: 'a.exe', argument: 'recover' },
      });
      await applyStep(host, step);
      expect(h.state.scheduledTasks).toMatchObject([
        { taskName: step.taskName, userId: 'NT AUTHORITY\\SYSTEM', argument: 'recover', runAt: step.runAt },
      ]);
      await undoStep(host, step);
      expect(h.state.scheduledTasks).toEqual([]);
      await expect(undoStep(host, step)).resolves.toMatchObject({ warnings: [] });
    } finally {
      await h.cleanup();
    }
  });
});
