export interface FiredAction {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}
export interface FiredTask {
  taskName: string;
  taskPath: string;
  results: FiredAction[];
}
export function fireDueTasks(options?: {
  now?: Date;
  env?: NodeJS.ProcessEnv;
  statePath?: string;
  boot?: boolean;
}): Promise<FiredTask[]>;
export function splitWindowsArgs(line: string): string[];
export function durationMs(text: unknown): number;
