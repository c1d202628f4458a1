export function statePath(): string;
export function readState(path?: string): unknown;
export function updateState<S, T>(update: (state: S) => T, path?: string): T;
export function recordCall(command: string, parameters: Record<string, unknown>): void;
