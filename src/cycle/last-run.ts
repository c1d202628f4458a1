import path from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../lockout/atomic-file';

/** What `status` shows about the last run, kept in <stateDir>/last-run.json (written at the end of every run). */
export interface LastRun {
  command: 'backup' | 'restore-to-live' | 'recover';
  result: 'success' | 'failed' | 'interrupted';
  exitCode: number;
  startedAt: string;
  endedAt: string;
  mode: string | null;
  snapshotId: string | null;
  offlineSeconds: number | null;
  message: string;
  warnings: string[];
}

export const LAST_RUN_FILE = 'last-run.json';

export async function writeLastRun(stateDir: string, run: LastRun): Promise<void> {
  await writeFileAtomic(path.join(stateDir, LAST_RUN_FILE), `${JSON.stringify(run, null, 2)}\n`);
}

export async function readLastRun(stateDir: string): Promise<LastRun | null> {
  const text = await readFileIfExists(path.join(stateDir, LAST_RUN_FILE));
  if (text === null) return null;
  try {
    return JSON.parse(text) as LastRun;
  } catch {
    return null;
  }
}
