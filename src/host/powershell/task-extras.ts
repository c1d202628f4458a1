import { z } from 'zod';
import hostScript from '../../../ps/host/Host.ps1';
import tasksScript from '../../../ps/host/ScheduledTasks.ps1';
import { interpretMsgResult, msgUnavailable } from '../msg-result';
import type { MessageResult, ScheduledTaskDefinition, ScheduledTaskInfo, WindowsHost } from '../types';
import { PowerShellSession } from './session';

/**
 * The optional WindowsHost methods `selftest` needs (scheduled tasks, a message to our own session),
 * served by ps/host/ScheduledTasks.ps1 loaded after Host.ps1 in a PowerShell session of its own.
 * Until the main bridge loads ScheduledTasks.ps1 itself, `withTaskExtras` grafts these onto a host.
 */
export interface TaskExtras
  extends Required<Pick<WindowsHost, 'registerScheduledTask' | 'getScheduledTask' | 'unregisterScheduledTask' | 'sendMessageToOwnSession'>> {
  dispose(): Promise<void>;
}

const taskInfoSchema = z.object({
  taskPath: z.string(),
  taskName: z.string(),
  state: z.string(),
  execute: z.string(),
  argument: z.string(),
  userId: z.string(),
  runLevel: z.string(),
});
const msgSchema = z.object({ found: z.boolean(), exitCode: z.number().nullable(), output: z.array(z.string()).nullable() });

export function createPowerShellTaskExtras(options: { executable: string; callTimeoutSeconds: number; env?: NodeJS.ProcessEnv }): TaskExtras {
  const session = new PowerShellSession({
    executable: options.executable,
    callTimeoutMs: options.callTimeoutSeconds * 1000,
    script: `${hostScript}\n${tasksScript}`,
    env: options.env,
  });
  return {
    async registerScheduledTask(task: ScheduledTaskDefinition): Promise<void> {
      await session.call('registerScheduledTask', { task });
    },
    async getScheduledTask(taskPath: string, taskName: string): Promise<ScheduledTaskInfo | null> {
      return taskInfoSchema.nullable().parse(await session.call('getScheduledTask', { taskPath, taskName }));
    },
    async unregisterScheduledTask(taskPath: string, taskName: string): Promise<void> {
      await session.call('unregisterScheduledTask', { taskPath, taskName });
    },
    async sendMessageToOwnSession(text: string, displaySeconds: number): Promise<MessageResult> {
      const r = msgSchema.parse(await session.call('sendMessageToOwnSession', { text, displaySeconds }));
      if (!r.found) return msgUnavailable('msg.exe was not found on this server');
      return interpretMsgResult(r.exitCode ?? -1, r.output ?? []);
    },
    dispose: () => session.dispose(),
  };
}

/** The host with the optional selftest methods taken from `extras` where the host lacks them. */
export function withTaskExtras(host: WindowsHost, extras: TaskExtras): WindowsHost {
  const methods = ['registerScheduledTask', 'getScheduledTask', 'unregisterScheduledTask', 'sendMessageToOwnSession'] as const;
  const graft: Partial<WindowsHost> = {};
  for (const name of methods) {
    if (typeof host[name] !== 'function') Object.assign(graft, { [name]: extras[name] });
  }
  return new Proxy(host, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in graft) return graft[prop as keyof WindowsHost];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
