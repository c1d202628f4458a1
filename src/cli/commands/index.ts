import type { Command } from 'commander';

/** Each command lives in its own file and registers itself here. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
